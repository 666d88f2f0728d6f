package com.repricer.storage;

import com.repricer.storage.results.ResultsFileFormat;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.fixtures.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static com.repricer.storage.StorageFixtures.BASE;
import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.assertResultsConsistent;
import static com.repricer.storage.StorageFixtures.chainedRecords;
import static com.repricer.storage.StorageFixtures.entryBytes;
import static com.repricer.storage.StorageFixtures.logSegment;
import static com.repricer.storage.StorageFixtures.readResults;
import static com.repricer.storage.StorageFixtures.writeLogSegment;
import static com.repricer.storage.StorageFixtures.writeResultsFile;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Start-up recovery on data directories built by hand: log segments written with the log's own encoder and
 * results files with the results format, in the states a crash or a power loss can leave them.
 *
 * <p>Recovery trusts files that start before the log's first record (they were fsync'ed before the log let go
 * of them) and checks every file within the log's range against the log.
 */
class RecoveryTest {

    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final int MAX_RECORDS = 10;

    @TempDir
    Path dataDirectory;

    /** The wall clock at restart is an hour behind the recovered records: timestamps must still increase. */
    private final MutableClock clock = new MutableClock(BASE.minus(Duration.ofHours(1)));
    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();


    private StorageConfig config() {
        return StorageConfig.defaults(dataDirectory).withWindow(WINDOW, MAX_RECORDS);
    }

    private Ledger recover() throws IOException {
        return opened.add(StorageFixtures.openAndRecover(config(), clock));
    }

    /** Recovery must fail; afterwards the directory is released again. */
    private RuntimeException recoveryFails() {
        RuntimeException failure = assertThrows(RuntimeException.class, this::recover);
        // the failed start let go of the lock: a later start (after an operator's repair) can take it
        try {
            Ledger.open(config(), clock, StorageMetrics.NONE).close();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return failure;
    }

    private Path resultsFile(List<PriceRecord> records) {
        PriceRecord first = records.getFirst();
        return dataDirectory.resolve("results").resolve(
                new ResultsFileName(first.sequence(), first.timestampNanos(), records.size()).toString());
    }

    private static Map<String, PriceRecord> latestOf(List<PriceRecord> records) {
        Map<String, PriceRecord> latest = new HashMap<>();
        records.forEach(record -> latest.put(record.productId(), record));
        return latest;
    }

    private void assertServes(Ledger ledger, List<PriceRecord> expected) {
        assertThat(ledger.recordCount(), is((long) expected.size()));
        latestOf(expected).forEach((product, record) -> assertThat(ledger.latest(product), is(Optional.of(record))));
        assertThat(ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0, 1000))
                         .records(), equalTo(expected));
    }

    // ---- (a) a torn log tail ----

    enum Tail {
        NOTHING(new byte[0]),
        ZEROS(new byte[64]),
        GARBAGE(garbage());

        final byte[] bytes;

        Tail(byte[] bytes) {
            this.bytes = bytes;
        }

        private static byte[] garbage() {
            byte[] bytes = new byte[37];
            new Random(11).nextBytes(bytes);
            bytes[0] = 0x7f; // an impossible entry length, whatever the rest says
            return bytes;
        }
    }

    static Stream<Arguments> tornTails() {
        int lastEntry = entryBytes(chainedRecords(1, 5, 3).getLast());
        List<Arguments> cases = new ArrayList<>();
        for (int cut : new int[] {0, 1, 4, 7, 8, 9, 20, lastEntry - 1}) {
            for (Tail tail : Tail.values()) {
                cases.add(arguments(cut, tail));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "last entry cut after {0} bytes, then {1}")
    @MethodSource("tornTails")
    void aTornLastEntryIsDroppedAndTheSequenceContinuesThere(int cut, Tail tail) throws Exception {
        List<PriceRecord> records = chainedRecords(1, 5, 3);
        byte[] complete = logSegment(records);
        int lastStart = complete.length - entryBytes(records.getLast());
        byte[] torn = Arrays.copyOf(complete, lastStart + cut + tail.bytes.length);
        System.arraycopy(tail.bytes, 0, torn, lastStart + cut, tail.bytes.length);
        Files.createDirectories(dataDirectory.resolve("log"));
        Files.write(dataDirectory.resolve("log").resolve("0000000000000000001.wal"), torn);

        Ledger ledger = recover();

        List<PriceRecord> survivors = records.subList(0, 4);
        assertServes(ledger, survivors);
        assertThat(assertResultsConsistent(dataDirectory, 4, WINDOW, MAX_RECORDS), equalTo(survivors));
        // record 5 (product-2) was never acknowledged: product-2's chain continues from record 2
        PriceRecord next = ledger.reprice("product-2", new BigDecimal("99.99"));
        assertThat(next, equalTo(new PriceRecord(5, "product-2", records.get(1).newPrice(), new BigDecimal("99.99"),
                                                 survivors.getLast().timestampNanos() + 1)));
        ledger.close();

        Ledger again = recover();
        assertServes(again, List.of(records.get(0), records.get(1), records.get(2), records.get(3), next));
    }

    @Test
    void aLastEntryWithABadChecksumIsDropped() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 5, 3);
        byte[] segment = logSegment(records);
        segment[segment.length - 3] ^= 0x10; // inside the last entry's payload

        Files.createDirectories(dataDirectory.resolve("log"));
        Files.write(dataDirectory.resolve("log").resolve("0000000000000000001.wal"), segment);

        assertServes(recover(), records.subList(0, 4));
    }

    @ParameterizedTest
    @EnumSource(Tail.class)
    void junkAfterTheLastCompleteEntryKeepsEveryRecord(Tail tail) throws Exception {
        List<PriceRecord> records = chainedRecords(1, 5, 3);
        byte[] complete = logSegment(records);
        byte[] withTail = Arrays.copyOf(complete, complete.length + tail.bytes.length);
        System.arraycopy(tail.bytes, 0, withTail, complete.length, tail.bytes.length);
        Files.createDirectories(dataDirectory.resolve("log"));
        Files.write(dataDirectory.resolve("log").resolve("0000000000000000001.wal"), withTail);

        Ledger ledger = recover();

        assertServes(ledger, records);
        assertThat(ledger.reprice("x", BigDecimal.ONE).sequence(), is(6L));
    }

    @Test
    void zerosWrittenAheadInAnEarlierSegmentAreUnusedRoomNotDamage() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 10, 3);
        Path first = writeLogSegment(dataDirectory, records.subList(0, 5));
        writeLogSegment(dataDirectory, records.subList(5, 10));
        // a segment keeps the zeros written ahead in it when the log rolls to the next one
        Files.write(first, new byte[64 * 1024], StandardOpenOption.APPEND);

        assertServes(recover(), records);
    }

    @Test
    void theNextEntryIsWrittenOverTheZerosWrittenAheadAndMoreZerosFollowIt() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 5, 3);
        Path segment = writeLogSegment(dataDirectory, records);
        int entriesEnd = (int) Files.size(segment);
        Files.write(segment, new byte[4096], StandardOpenOption.APPEND);

        Ledger ledger = recover();
        assertServes(ledger, records);
        PriceRecord next = ledger.reprice("product-9", new BigDecimal("1.23"));

        byte[] expected = logSegment(List.of(next));
        int nextEnd = entriesEnd + expected.length;
        // the writer writes more zeros ahead after it has answered the reprice: wait for them
        await(Duration.ofSeconds(10), () -> sizeOf(segment) >= nextEnd + 4096, "zeros written ahead past the new entry");
        byte[] log = Files.readAllBytes(segment);
        assertThat(Arrays.copyOfRange(log, 0, entriesEnd), equalTo(logSegment(records)));
        assertThat(Arrays.copyOfRange(log, entriesEnd, nextEnd), equalTo(expected));
        assertThat(Arrays.copyOfRange(log, nextEnd, log.length), equalTo(new byte[log.length - nextEnd]));
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void damageBeforeTheLastSegmentStopsTheStartNamingTheSegment() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 10, 3);
        Path first = writeLogSegment(dataDirectory, records.subList(0, 5));
        writeLogSegment(dataDirectory, records.subList(5, 10));
        byte[] bytes = Files.readAllBytes(first);
        bytes[entryBytes(records.getFirst()) + 12] ^= 0x01; // inside the second entry
        Files.write(first, bytes);

        RuntimeException failure = recoveryFails();

        assertThat(failure.getMessage(), allOf(containsString(first.toString()), containsString("checksum")));
        assertThat(readResults(dataDirectory), is(empty()));
    }

    @Test
    void logRecordsWithoutFilesAreCutIntoFilesByTheWindowingRule() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 25, 4);
        writeLogSegment(dataDirectory, records);

        assertServes(recover(), records);

        assertThat(readResults(dataDirectory).stream().map(f -> f.name().recordCount()).toList(),
                   equalTo(List.of(10, 10, 5)));
        assertThat(assertResultsConsistent(dataDirectory, 25, WINDOW, MAX_RECORDS), equalTo(records));
    }

    // ---- (b) incomplete files in the log's range are rewritten from the log ----

    enum Damage {
        EMPTY {
            @Override
            byte[] apply(byte[] content, List<PriceRecord> records) {
                return new byte[0];
            }
        },
        TRUNCATED {
            @Override
            byte[] apply(byte[] content, List<PriceRecord> records) {
                return Arrays.copyOf(content, content.length / 2);
            }
        },
        ZEROS {
            @Override
            byte[] apply(byte[] content, List<PriceRecord> records) {
                return new byte[content.length];
            }
        },
        RECORD_MISSING {
            @Override
            byte[] apply(byte[] content, List<PriceRecord> records) {
                return ResultsFileFormat.encode(records.subList(0, records.size() - 1));
            }
        },
        PRICE_DIFFERS {
            @Override
            byte[] apply(byte[] content, List<PriceRecord> records) {
                List<PriceRecord> changed = new ArrayList<>(records);
                PriceRecord last = changed.removeLast();
                changed.add(new PriceRecord(last.sequence(), last.productId(), last.previousPrice(),
                                            last.newPrice().add(BigDecimal.ONE), last.timestampNanos()));
                return ResultsFileFormat.encode(changed);
            }
        };

        abstract byte[] apply(byte[] content, List<PriceRecord> records);
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedFileInTheLogsRangeIsRewrittenIdentically(Damage damage) throws Exception {
        List<PriceRecord> records = chainedRecords(1, 15, 3);
        writeLogSegment(dataDirectory, records);
        List<PriceRecord> firstFile = records.subList(0, 10);
        Path file = writeResultsFile(dataDirectory, firstFile);
        Files.write(file, damage.apply(Files.readAllBytes(file), firstFile));

        Ledger ledger = recover();

        assertThat(Files.readAllBytes(file), equalTo(ResultsFileFormat.encode(firstFile)));
        assertThat(Files.readAllBytes(resultsFile(records.subList(10, 15))),
                   equalTo(ResultsFileFormat.encode(records.subList(10, 15))));
        assertThat(assertResultsConsistent(dataDirectory, 15, WINDOW, MAX_RECORDS), equalTo(records));
        assertServes(ledger, records);
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedFileAfterTrustedFilesIsRewrittenFromTheLog(Damage damage) throws Exception {
        List<PriceRecord> records = chainedRecords(1, 25, 3);
        Path trusted = writeResultsFile(dataDirectory, records.subList(0, 10));
        byte[] trustedBytes = Files.readAllBytes(trusted);
        List<PriceRecord> damagedFile = records.subList(10, 20);
        Path damaged = writeResultsFile(dataDirectory, damagedFile);
        Files.write(damaged, damage.apply(Files.readAllBytes(damaged), damagedFile));
        writeLogSegment(dataDirectory, records.subList(10, 25)); // the log was trimmed up to record 10

        Ledger ledger = recover();

        assertThat(Files.readAllBytes(trusted), equalTo(trustedBytes));
        assertThat(Files.readAllBytes(damaged), equalTo(ResultsFileFormat.encode(damagedFile)));
        assertThat(assertResultsConsistent(dataDirectory, 25, WINDOW, MAX_RECORDS), equalTo(records));
        assertServes(ledger, records);
        assertThat(ledger.reprice("product-1", BigDecimal.TEN).previousPrice(),
                   equalTo(latestOf(records).get("product-1").newPrice()));
    }

    /**
     * Records in the log at a start mean a crash (a clean shutdown empties it). A file in the log's range that
     * matches it may match only in the crashed process's page cache: it is written anew (a new inode under the
     * same name, the same bytes), never merely fsync'ed again.
     */
    @Test
    void aFileThatMatchesTheLogIsRewrittenUnderItsOwnNameAfterACrash() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 15, 3);
        writeLogSegment(dataDirectory, records);
        Path file = writeResultsFile(dataDirectory, records.subList(0, 10));
        byte[] bytes = Files.readAllBytes(file);
        Object fileKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

        assertServes(recover(), records);

        assertThat("a new inode", Files.readAttributes(file, BasicFileAttributes.class).fileKey(),
                   not(equalTo(fileKey)));
        assertThat(Files.readAllBytes(file), equalTo(bytes));
        assertThat(assertResultsConsistent(dataDirectory, 15, WINDOW, MAX_RECORDS), equalTo(records));
    }

    @Test
    void recoveredRecordsAreNotWrittenTwiceByTheNextStart() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 15, 3);
        writeLogSegment(dataDirectory, records);
        recover().close();
        List<String> afterFirst = readResults(dataDirectory).stream().map(f -> f.name().toString()).toList();

        Ledger ledger = recover();

        assertThat(readResults(dataDirectory).stream().map(f -> f.name().toString()).toList(), equalTo(afterFirst));
        assertServes(ledger, records);
    }

    // ---- (c) damage the log no longer backs stops the start ----

    /** A trusted file that still parses with the right count (PRICE_DIFFERS) cannot be told from a good one. */
    @ParameterizedTest
    @EnumSource(value = Damage.class, names = "PRICE_DIFFERS", mode = EnumSource.Mode.EXCLUDE)
    void aDamagedTrustedFileStopsTheStartNamingTheFile(Damage damage) throws Exception {
        List<PriceRecord> records = chainedRecords(1, 15, 3);
        List<PriceRecord> firstFile = records.subList(0, 10);
        Path file = writeResultsFile(dataDirectory, firstFile);
        byte[] damagedBytes = damage.apply(Files.readAllBytes(file), firstFile);
        Files.write(file, damagedBytes);
        writeLogSegment(dataDirectory, records.subList(10, 15));

        RuntimeException failure = recoveryFails();

        assertThat(failure.getMessage(), containsString(file.toString()));
        // nothing was guessed: the damaged file is left for the operator, and nothing else was written
        assertThat(Files.readAllBytes(file), equalTo(damagedBytes));
        try (Stream<Path> files = Files.list(dataDirectory.resolve("results"))) {
            assertThat(files.toList(), equalTo(List.of(file)));
        }
    }

    @Test
    void aGapBeforeAFileStopsTheStartNamingTheFile() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 35, 3);
        writeResultsFile(dataDirectory, records.subList(0, 10));
        Path afterGap = writeResultsFile(dataDirectory, records.subList(20, 30));
        writeLogSegment(dataDirectory, records.subList(30, 35));

        RuntimeException failure = recoveryFails();

        assertThat(failure.getMessage(), allOf(containsString(afterGap.toString()), containsString("11 to 20")));
    }

    @Test
    void aGapBeforeTheLogStopsTheStart() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 25, 3);
        writeResultsFile(dataDirectory, records.subList(0, 10));
        writeLogSegment(dataDirectory, records.subList(20, 25));

        RuntimeException failure = recoveryFails();

        assertThat(failure.getMessage(), containsString("11 to 20"));
        assertThat(readResults(dataDirectory).size(), is(1));
    }

    @Test
    void aFileReachingBeyondTheLogStopsTheStartNamingTheFile() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 10, 3);
        Path file = writeResultsFile(dataDirectory, records);
        writeLogSegment(dataDirectory, records.subList(0, 5));

        RuntimeException failure = recoveryFails();

        assertThat(failure.getMessage(), containsString(file.toString()));
    }

    @Test
    void trustedFilesAloneAreReadAsTheyAre() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 25, 3);
        writeResultsFile(dataDirectory, records.subList(0, 10));
        writeResultsFile(dataDirectory, records.subList(10, 20));
        writeResultsFile(dataDirectory, records.subList(20, 25));

        Ledger ledger = recover();

        assertServes(ledger, records);
        assertThat(ledger.reprice("new", BigDecimal.ONE),
                   equalTo(new PriceRecord(26, "new", null, BigDecimal.ONE, records.getLast().timestampNanos() + 1)));
    }

    // ---- (d) staging leftovers ----

    @Test
    void leftoversInTmpAreCleanedAndTheirRecordsComeFromTheLog() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 3, 2);
        writeLogSegment(dataDirectory, records);
        Path tmp = Files.createDirectories(dataDirectory.resolve("tmp"));
        byte[] whole = ResultsFileFormat.encode(records);
        Files.write(tmp.resolve(new ResultsFileName(1, records.getFirst().timestampNanos(), 3) + ".tmp"),
                    Arrays.copyOf(whole, whole.length / 3));
        Files.write(tmp.resolve("write-probe"), new byte[4096]);
        Files.write(tmp.resolve("something-else"), new byte[] {1, 2, 3});

        Ledger ledger = recover();

        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.toList(), is(empty()));
        }
        assertThat(Files.readAllBytes(resultsFile(records)), equalTo(whole));
        assertServes(ledger, records);
    }
}
