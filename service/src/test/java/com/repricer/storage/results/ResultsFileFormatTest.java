package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageFixtures;
import com.repricer.storage.Timestamps;
import com.repricer.storage.results.ResultsFileFormat.MalformedResultsFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResultsFileFormatTest {

    /** SPEC §2's example, byte for byte (plus the final newline). */
    private static final String SPEC_EXAMPLE = """
            [
            \t{
            \t\t"productId": "p1",
            \t\t"previousPrice": null,
            \t\t"newPrice": 3.50,
            \t\t"timestamp": "2026-11-27T17:13:07.123456789Z"
            \t},
            \t{
            \t\t"productId": "p1",
            \t\t"previousPrice": 3.50,
            \t\t"newPrice": 4.20,
            \t\t"timestamp": "2026-11-27T17:13:07.523456789Z"
            \t}
            ]
            """;

    private static final List<PriceRecord> SPEC_RECORDS = List.of(
            new PriceRecord(1, "p1", null, new BigDecimal("3.50"), nanos("2026-11-27T17:13:07.123456789Z")),
            new PriceRecord(2, "p1", new BigDecimal("3.50"), new BigDecimal("4.20"),
                            nanos("2026-11-27T17:13:07.523456789Z")));

    private static long nanos(String instant) {
        return Timestamps.epochNanos(Instant.parse(instant));
    }

    private static String text(List<PriceRecord> records) {
        return new String(ResultsFileFormat.encode(records), StandardCharsets.UTF_8);
    }

    @Test
    void writesTheSpecExampleExactly() {
        assertThat(text(SPEC_RECORDS), is(SPEC_EXAMPLE));
    }

    @Test
    void readsTheSpecExample() {
        assertThat(ResultsFileFormat.decode(SPEC_EXAMPLE.getBytes(StandardCharsets.UTF_8), 1),
                   equalTo(SPEC_RECORDS));
    }

    @Test
    void numbersTheRecordsFromTheFirstSequenceOfTheName() {
        List<PriceRecord> decoded = ResultsFileFormat.decode(SPEC_EXAMPLE.getBytes(StandardCharsets.UTF_8), 41);

        assertThat(decoded.stream().map(PriceRecord::sequence).toList(), equalTo(List.of(41L, 42L)));
    }

    @Test
    void writesTimestampsWithExactlyNineFractionDigitsInUtc() {
        List<PriceRecord> records = List.of(
                new PriceRecord(1, "a", null, BigDecimal.ONE, nanos("2026-11-27T17:13:07Z")),
                new PriceRecord(2, "a", BigDecimal.ONE, BigDecimal.TEN, nanos("2026-11-27T17:13:07.000001Z")),
                new PriceRecord(3, "a", BigDecimal.TEN, BigDecimal.ONE, nanos("2026-11-27T19:13:07.5+02:00")));

        String text = text(records);

        assertThat(text, containsString("\"timestamp\": \"2026-11-27T17:13:07.000000000Z\""));
        assertThat(text, containsString("\"timestamp\": \"2026-11-27T17:13:07.000001000Z\""));
        assertThat(text, containsString("\"timestamp\": \"2026-11-27T17:13:07.500000000Z\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.50", "100", "1", "0.000000000000000001", "99999999999999999999.999999999999999999",
                            "12.000000000000000000", "0.10"})
    void writesPricesInPlainNotationWithTheirScale(String price) {
        PriceRecord record = new PriceRecord(7, "p", new BigDecimal(price), new BigDecimal(price), 0);

        String text = text(List.of(record));
        List<PriceRecord> decoded = ResultsFileFormat.decode(ResultsFileFormat.encode(List.of(record)), 7);

        assertThat(text, containsString("\"previousPrice\": " + price + ",\n"));
        assertThat(text, containsString("\"newPrice\": " + price + ",\n"));
        assertThat(decoded.getFirst().newPrice().toPlainString(), is(price));
        assertThat(decoded.getFirst().newPrice().scale(), is(new BigDecimal(price).scale()));
        assertThat(decoded, equalTo(List.of(record)));
    }

    @Test
    void roundTripsManyRecords() {
        List<PriceRecord> records = StorageFixtures.chainedRecords(1_000, 10, 3);

        assertThat(ResultsFileFormat.decode(ResultsFileFormat.encode(records), 1_000), equalTo(records));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "say \"cheese\"", "back\\slash", "\\\"", "\\u0041 is not A", "a/b", "%2F", "a+b", "..", "../../etc/passwd",
            " spaced ", "Grüße", "日本語の商品", "🙂 emoji 👍🏽", "tab\tnew\nline\rreturn", "\u0001\u001f\u007f\u0085\u009f",
            "\u2028\u2029", "\uFEFFbom", "[]{},:"})
    void roundTripsOddProductIds(String productId) {
        PriceRecord record = new PriceRecord(1, productId, null, new BigDecimal("1.00"), 5);

        byte[] encoded = ResultsFileFormat.encode(List.of(record));

        assertThat(ResultsFileFormat.decode(encoded, 1), equalTo(List.of(record)));
    }

    @Test
    void escapesQuotesAndBackslashesAndControlsButKeepsNonAsciiReadable() {
        PriceRecord record = new PriceRecord(1, "a\"b\\c\td\u0001é🙂", null, BigDecimal.ONE, 0);

        String text = text(List.of(record));

        assertThat(text, containsString("\"productId\": \"a\\\"b\\\\c\\td\\u0001é🙂\",\n"));
        assertThat(Arrays.equals(ResultsFileFormat.encode(List.of(record)), text.getBytes(StandardCharsets.UTF_8)),
                   is(true));
    }

    @Test
    void readsAnEmptyArrayAsNoRecords() {
        assertThat(ResultsFileFormat.decode("[\n]\n".getBytes(StandardCharsets.UTF_8), 1), is(empty()));
    }

    @Test
    void refusesEveryTruncationOfAFile() {
        List<PriceRecord> records = List.of(
                SPEC_RECORDS.getFirst(),
                new PriceRecord(2, "日本🙂\"q\\", new BigDecimal("3.50"), new BigDecimal("4.20"), 1));
        byte[] whole = ResultsFileFormat.encode(records);
        int closingBracket = new String(whole, StandardCharsets.UTF_8).lastIndexOf(']');
        int closingBracketByte = new String(whole, StandardCharsets.UTF_8).substring(0, closingBracket)
                                         .getBytes(StandardCharsets.UTF_8).length;

        for (int length = 0; length <= closingBracketByte; length++) {
            byte[] truncated = Arrays.copyOf(whole, length);
            int cut = length;
            assertThrows(MalformedResultsFileException.class, () -> ResultsFileFormat.decode(truncated, 1),
                         () -> "truncated at " + cut + " of " + whole.length + " bytes");
        }
    }

    // ---- summarize: the archive mover's fast read of product ids ----

    /** For every file the service writes, the summary is exactly what a full decode gives, or empty (then decode). */
    @Test
    void aSummaryIsTheDecodedIdsAndFirstTimestampOrNothing() {
        java.util.Random random = new java.util.Random(13);
        String[] ids = {"p1", "sku-000123", "a b", "x".repeat(512), "日本", "q\"uote", "back\\slash", "tab\t", "~!@#$%"};
        for (int file = 0; file < 2_000; file++) {
            List<PriceRecord> records = new java.util.ArrayList<>();
            long timestamp = nanos("2026-11-27T17:13:07.123456789Z") + random.nextInt(1_000_000_000);
            int count = 1 + random.nextInt(10);
            for (int i = 0; i < count; i++) {
                timestamp += 1 + random.nextInt(5_000_000);
                BigDecimal price = BigDecimal.valueOf(random.nextLong(1, 1_000_000_000_000L), random.nextInt(19));
                records.add(new PriceRecord(i + 1, ids[random.nextInt(ids.length)],
                                            random.nextBoolean() ? null : price.negate().add(BigDecimal.ONE), price,
                                            timestamp));
            }
            byte[] content = ResultsFileFormat.encode(records);
            var summary = ResultsFileFormat.summarize(content);
            boolean plain = records.stream().map(PriceRecord::productId)
                                   .allMatch(id -> id.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"'
                                                                            && c != '\\'));
            assertThat(summary.isPresent(), is(plain));
            summary.ifPresent(read -> {
                assertThat(read.productIds(), is(records.stream().map(PriceRecord::productId).toList()));
                assertThat(read.firstTimestampNanos(), is(records.getFirst().timestampNanos()));
            });
        }
    }

    /** A damaged file never gets a summary: every truncation, zeros, a garbled byte anywhere. */
    @Test
    void aDamagedFileHasNoSummary() {
        byte[] whole = ResultsFileFormat.encode(SPEC_RECORDS);
        assertThat(ResultsFileFormat.summarize(whole).orElseThrow().productIds(), is(List.of("p1", "p1")));
        for (int length = 0; length < whole.length; length++) {
            assertThat("truncated at " + length, ResultsFileFormat.summarize(Arrays.copyOf(whole, length)).isPresent(),
                       is(false));
        }
        assertThat(ResultsFileFormat.summarize(new byte[whole.length]).isPresent(), is(false));
        for (int at = 0; at < whole.length; at++) {
            byte[] garbled = whole.clone();
            garbled[at] = (byte) '{';
            if (Arrays.equals(garbled, whole)) {
                continue;
            }
            var summary = ResultsFileFormat.summarize(garbled);
            int where = at;
            // A brace inside an id is still an id (decode agrees); anywhere else the layout is broken.
            summary.ifPresent(read -> assertThat("garbled at " + where, ResultsFileFormat.decode(garbled, 1).stream()
                    .map(PriceRecord::productId).toList(), is(read.productIds())));
        }
        byte[] extra = Arrays.copyOf(whole, whole.length + 1);
        extra[whole.length] = ' ';
        assertThat(ResultsFileFormat.summarize(extra).isPresent(), is(false));
        assertThat(ResultsFileFormat.summarize("[\n]\n".getBytes(StandardCharsets.US_ASCII)).isPresent(), is(false));
    }

    @Test
    void refusesAFileThatAPowerLossLeftAsZeros() {
        byte[] zeros = new byte[ResultsFileFormat.encode(SPEC_RECORDS).length];

        assertThrows(MalformedResultsFileException.class, () -> ResultsFileFormat.decode(zeros, 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "   ",
            "{}",
            "null",
            "[1]",
            "[[]]",
            "[{}]",
            "[] []",
            "[] x",
            "[{\"productId\": \"p\", \"previousPrice\": null, \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\"}",
            "[{\"productId\": \"p\", \"previousPrice\": null, \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\"},]",
            // a field missing
            "[{\"productId\": \"p\", \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\"}]",
            "[{\"previousPrice\": null, \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\"}]",
            // a field repeated
            "[{\"productId\": \"p\", \"productId\": \"q\", \"previousPrice\": null, \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\"}]",
            // an unknown field
            "[{\"productId\": \"p\", \"previousPrice\": null, \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\", \"x\": 1}]",
            // wrong types
            "[{\"productId\": 1, \"previousPrice\": null, \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\"}]",
            "[{\"productId\": \"p\", \"previousPrice\": null, \"newPrice\": \"1\", \"timestamp\": \"2026-11-27T17:13:07Z\"}]",
            "[{\"productId\": \"p\", \"previousPrice\": \"1\", \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\"}]",
            "[{\"productId\": \"p\", \"previousPrice\": null, \"newPrice\": null, \"timestamp\": \"2026-11-27T17:13:07Z\"}]",
            "[{\"productId\": \"p\", \"previousPrice\": null, \"newPrice\": 1, \"timestamp\": 1795799587}]",
            "[{\"productId\": \"p\", \"previousPrice\": null, \"newPrice\": 1, \"timestamp\": \"yesterday\"}]",
            "[{\"productId\": \"p\", \"previousPrice\": null, \"newPrice\": 1, \"timestamp\": \"9999-11-27T17:13:07Z\"}]",
            "[{\"productId\": \"p\", \"previousPrice\": [], \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\"}]",
            "[{\"productId\": {}, \"previousPrice\": null, \"newPrice\": 1, \"timestamp\": \"2026-11-27T17:13:07Z\"}]"})
    void refusesGarbledContent(String content) {
        assertThrows(MalformedResultsFileException.class,
                     () -> ResultsFileFormat.decode(content.getBytes(StandardCharsets.UTF_8), 1));
    }

    /**
     * A record must hold each of the four fields exactly once. Counting fields is not enough: a repeated field can
     * stand in for a missing one, and the record then reads as if its previousPrice were null, which silently
     * breaks the previous-price chain of a file recovery trusts.
     */
    @Test
    void refusesARepeatedFieldStandingInForAMissingOne() {
        String content = "[{\"productId\": \"p\", \"productId\": \"p\", \"newPrice\": 1, "
                         + "\"timestamp\": \"2026-11-27T17:13:07Z\"}]";

        assertThrows(MalformedResultsFileException.class,
                     () -> ResultsFileFormat.decode(content.getBytes(StandardCharsets.UTF_8), 1));
    }

    @Test
    void refusesInvalidUtf8() {
        byte[] content = SPEC_EXAMPLE.replace("p1", "p\u00e9").getBytes(StandardCharsets.UTF_8);
        int index = SPEC_EXAMPLE.indexOf("p1") + 1;
        content[index + 1] = (byte) 0x41; // cut the two-byte é after its lead byte

        assertThrows(MalformedResultsFileException.class, () -> ResultsFileFormat.decode(content, 1));
    }
}
