package com.repricer.debugpod;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.Timestamps;
import com.repricer.storage.results.ResultsFileFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

/** Files made by the service's own encoder and namer (a test dependency), then checked by the independent reader. */
class ResultsVerifierTest {

    private static final long T0 = Timestamps.epochNanos(Instant.parse("2026-11-27T17:13:07.123456789Z"));

    private final ResultsVerifier verifier = new ResultsVerifier();

    @Test
    void aConsistentHistoryVerifies() {
        History history = new History();
        accept(history.next("p1", "3.50"), history.next("p2", "10"), history.next("p1", "4.20"));
        accept(history.next("p1", "4.25"), history.next("p2", "9.990"));
        ResultsVerifier.Report report = verifier.report();
        assertThat(report.problems(), is(List.of()));
        assertThat(report.files(), is(2));
        assertThat(report.records(), is(5L));
        assertThat(report.products(), is(2));
        assertThat(report.firstSequence(), is(1L));
        assertThat(report.lastSequence(), is(5L));
        assertThat(report.firstTimestamp(), is(Optional.of(Instant.parse("2026-11-27T17:13:07.123456789Z"))));
        assertThat(report.lastTimestamp(), is(Optional.of(Instant.parse("2026-11-27T17:13:07.523456789Z"))));
        assertThat(report.summary(), startsWith("2 files, "));
        assertThat(report.summary(), containsString("5 records of 2 products"));
        assertThat(report.summary(), containsString("time span 2026-11-27T17:13:07.123456789Z – "
                                                    + "2026-11-27T17:13:07.523456789Z"));
        assertThat(report.summary(), containsString("previousPrice chains hold"));
    }

    @Test
    void aBrokenChainIsReportedWithTheRecordAndPrices() {
        History history = new History();
        PriceRecord first = history.next("p1", "3.50");
        PriceRecord second = history.next("p1", "4.20");
        PriceRecord wrong = new PriceRecord(second.sequence(), "p1", new BigDecimal("3.5"), second.newPrice(),
                                            second.timestampNanos());
        accept(first, wrong);
        assertThat(verifier.report().problems(), contains(endsWith(
                "record 2 (product \"p1\") has previousPrice 3.5 but the product's previous newPrice was 3.50")));
    }

    @Test
    void aProductsFirstRecordMustHaveNullPreviousPriceWhenTheHistoryStartsAtOne() {
        accept(new PriceRecord(1, "p1", new BigDecimal("1.00"), new BigDecimal("2.00"), T0));
        assertThat(verifier.report().problems(), contains(endsWith(
                "record 1 (product \"p1\") has previousPrice 1.00 but the product's first record must have null")));
    }

    @Test
    void aSinceDownloadChecksTheChainFromEachProductsFirstRecordOn() {
        accept(new PriceRecord(21, "p1", new BigDecimal("1.00"), new BigDecimal("2.00"), T0),
               new PriceRecord(22, "p1", new BigDecimal("2.00"), new BigDecimal("3.00"), T0 + 1));
        ResultsVerifier.Report report = verifier.report();
        assertThat(report.problems(), is(List.of()));
        assertThat(report.chainFromStart(), is(false));
        assertThat(report.summary(), containsString("from each product's first record here on"));
    }

    @Test
    void missingSequencesBetweenFilesAreAGap() {
        History history = new History();
        accept(history.next("p1", "1.00"));
        history.skip(9);
        accept(history.next("p2", "1.00"));
        assertThat(verifier.report().problems(), contains(endsWith("sequences 2–10 are missing (no file holds them)")));
    }

    @Test
    void timestampsMustIncrease() {
        accept(new PriceRecord(1, "p1", null, BigDecimal.ONE, T0 + 5), new PriceRecord(2, "p2", null, BigDecimal.ONE,
                                                                                       T0 + 5));
        assertThat(verifier.report().problems(), hasSize(1));
        assertThat(verifier.report().problems().getFirst(), containsString("not after the previous record's"));
    }

    @Test
    void invalidJsonIsReportedOnceWithoutACascadeOfChainBreaks() {
        History history = new History();
        accept(history.next("p1", "1.00"));
        PriceRecord lost = history.next("p1", "2.00");
        String name = name(List.of(lost));
        byte[] whole = ResultsFileFormat.encode(List.of(lost));
        verifier.accept(name, Arrays.copyOf(whole, whole.length / 2));
        accept(history.next("p1", "3.00"));
        ResultsVerifier.Report report = verifier.report();
        assertThat(report.problems(), hasSize(1));
        assertThat(report.problems().getFirst(), startsWith(name + ": not valid JSON"));
        assertThat(report.ok(), is(false));
        assertThat(report.summary(), containsString("1 PROBLEM:\n    " + name + ": not valid JSON"));
    }

    @Test
    void malformedRecordsAreReported() {
        assertProblem("[{\"productId\":\"p\",\"previousPrice\":null,\"newPrice\":\"3.50\","
                      + "\"timestamp\":\"2026-11-27T17:13:07.123456789Z\"}]", "newPrice is not a number");
        assertProblem("[{\"productId\":\"p\",\"previousPrice\":null,\"newPrice\":3.50,"
                      + "\"timestamp\":\"2026-11-27T17:13:07.123456Z\"}]", "timestamp is not RFC 3339 UTC");
        assertProblem("[{\"productId\":\"p\",\"previousPrice\":null,\"newPrice\":3.50,"
                      + "\"timestamp\":\"2026-11-27T17:13:07.123456789Z\",\"extra\":1}]", "unknown field \"extra\"");
        assertProblem("[{\"productId\":\"p\",\"newPrice\":3.50,\"timestamp\":\"2026-11-27T17:13:07.123456789Z\"}]",
                      "missing previousPrice");
        assertProblem("[{\"productId\":\"p\",\"productId\":\"q\",\"previousPrice\":null,\"newPrice\":3.50,"
                      + "\"timestamp\":\"2026-11-27T17:13:07.123456789Z\"}]", "not valid JSON: Duplicate");
        assertProblem("[{\"productId\":\"p\",\"previousPrice\":null,\"newPrice\":-1,"
                      + "\"timestamp\":\"2026-11-27T17:13:07.123456789Z\"}]", "newPrice -1 is not positive");
        assertProblem("{}", "not a JSON array");
        assertProblem("[] []", "data after the closing bracket");
    }

    @Test
    void theNameMustMatchTheContent() {
        History history = new History();
        PriceRecord a = history.next("p1", "1.00");
        PriceRecord b = history.next("p1", "2.00");
        String claimsThree = name(List.of(a, b)).replace("_2.json", "_3.json");
        verifier.accept(claimsThree, ResultsFileFormat.encode(List.of(a, b)));
        verifier.accept("notes.txt", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(verifier.report().problems(), contains(claimsThree + ": the name says 3 records, the file holds 2",
                                                          "notes.txt: not a results file name"));
    }

    @Test
    void verifiesAFolderInNameOrder(@TempDir Path folder) throws IOException {
        History history = new History();
        List<List<PriceRecord>> files = List.of(List.of(history.next("p1", "1.00")),
                                                List.of(history.next("p1", "2.00"), history.next("p2", "5")),
                                                List.of(history.next("p1", "3.00")));
        for (List<PriceRecord> records : files.reversed()) {
            Files.write(folder.resolve(name(records)), ResultsFileFormat.encode(records));
        }
        ResultsVerifier.Report report = ResultsVerifier.verify(folder);
        assertThat(report.problems(), is(List.of()));
        assertThat(report.records(), is(4L));
        assertThat(report.files(), is(3));
    }

    private void assertProblem(String json, String expected) {
        ResultsVerifier fresh = new ResultsVerifier();
        fresh.accept("0000000000000000001_20261127T171307.123456789Z_1.json", json.getBytes(StandardCharsets.UTF_8));
        assertThat(json, fresh.report().problems(), hasSize(1));
        assertThat(fresh.report().problems().getFirst(), containsString(expected));
    }

    private void accept(PriceRecord... records) {
        verifier.accept(name(List.of(records)), ResultsFileFormat.encode(List.of(records)));
    }

    private static String name(List<PriceRecord> records) {
        return new com.repricer.storage.results.ResultsFileName(records.getFirst().sequence(),
                                                       records.getFirst().timestampNanos(), records.size()).toString();
    }

    /** Records as the service would assign them: sequences from 1, timestamps 100 ms apart, chains kept. */
    private static final class History {
        private final Map<String, BigDecimal> last = new HashMap<>();
        private long sequence;

        PriceRecord next(String product, String price) {
            sequence++;
            BigDecimal newPrice = new BigDecimal(price);
            PriceRecord record = new PriceRecord(sequence, product, last.put(product, newPrice), newPrice,
                                                 T0 + (sequence - 1) * 100_000_000L);
            return record;
        }

        void skip(int count) {
            sequence += count;
        }
    }
}
