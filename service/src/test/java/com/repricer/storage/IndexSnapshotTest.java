package com.repricer.storage;

import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.storage.snapshot.IndexSnapshot;
import com.repricer.storage.snapshot.IndexSnapshotStore;
import com.repricer.storage.snapshot.RestoredIndex;
import com.repricer.fixtures.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static com.repricer.storage.StorageFixtures.BASE;
import static com.repricer.storage.StorageFixtures.assertResultsConsistent;
import static com.repricer.storage.StorageFixtures.chainedRecords;
import static com.repricer.storage.StorageFixtures.writeLogSegment;
import static com.repricer.storage.StorageFixtures.writeResultsFile;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The index snapshot ({@code <data-dir>/index/snapshot}) on real data directories: a start that restores it must
 * serve exactly what a start that reads every results file serves, and any snapshot that does not match the
 * files (damaged, truncated, foreign, covering a file that is gone or different) must be ignored for a full scan.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IndexSnapshotTest {

    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final int MAX_RECORDS = 10;
    private static final int PRODUCTS = 7;

    @TempDir
    Path root;

    private final MutableClock clock = new MutableClock(BASE.minus(Duration.ofHours(1)));
    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();


    private Path data() {
        return root.resolve("data");
    }

    private static Path snapshotOf(Path dataDirectory) {
        return dataDirectory.resolve("index").resolve(IndexSnapshotStore.FILE_NAME);
    }

    private static StorageConfig config(Path dataDirectory) {
        return StorageConfig.defaults(dataDirectory).withWindow(WINDOW, MAX_RECORDS);
    }

    private Ledger start(Path dataDirectory) throws IOException {
        return opened.add(StorageFixtures.openAndRecover(config(dataDirectory), clock));
    }

    /** Results files of {@code records}, {@link #MAX_RECORDS} a file, as the service writes them. */
    private static void writeFiles(Path dataDirectory, List<PriceRecord> records) throws IOException {
        for (int from = 0; from < records.size(); from += MAX_RECORDS) {
            writeResultsFile(dataDirectory, records.subList(from, Math.min(records.size(), from + MAX_RECORDS)));
        }
    }

    /** A start that reads every file, then a clean shutdown: which writes the snapshot of all of them. */
    private void snapshotByCleanShutdown(Path dataDirectory) throws IOException {
        Ledger ledger = start(dataDirectory);
        assertThat("a first start has no snapshot", ledger.restoredFromSnapshot(), is(0L));
        ledger.close();
        assertThat("a clean shutdown writes the snapshot", Files.exists(snapshotOf(dataDirectory)), is(true));
    }

    /** A copy of the data directory without its snapshot: what a full scan makes of the same files. */
    private Path fullScanCopy(Path dataDirectory) throws IOException {
        Path copy = root.resolve("full-scan-" + opened.size() + "-" + System.nanoTime());
        copyTree(dataDirectory, copy);
        if (Files.exists(copy.resolve("index"))) {
            deleteTree(copy.resolve("index"));
        }
        return copy;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> tree = Files.walk(from)) {
            for (Path source : (Iterable<Path>) tree::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (!source.getFileName().toString().equals("repricer.lock")) {
                    Files.copy(source, target);
                }
            }
        }
    }

    // ---- what a ledger serves ----

    private static List<PriceRecord> history(Ledger ledger, Optional<String> product, long from, long to,
                                             int pageSize) {
        List<PriceRecord> all = new ArrayList<>();
        for (long offset = 0; ; offset += pageSize) {
            HistoryPage page = ledger.history(new HistoryQuery(product, from, to, offset, pageSize));
            all.addAll(page.records());
            if (!page.hasNext()) {
                return all;
            }
        }
    }

    /** Everything the ledger serves about {@code expected}: record count, latest, history pages (all, per product, bounded). */
    private static void assertServes(Ledger ledger, List<PriceRecord> expected) {
        assertThat(ledger.recordCount(), is((long) expected.size()));
        Map<String, List<PriceRecord>> byProduct = new LinkedHashMap<>();
        expected.forEach(r -> byProduct.computeIfAbsent(r.productId(), p -> new ArrayList<>()).add(r));
        byProduct.forEach((product, records) -> {
            assertThat(ledger.latest(product), is(Optional.of(records.getLast())));
            assertThat(history(ledger, Optional.of(product), Long.MIN_VALUE, Long.MAX_VALUE, 3), equalTo(records));
        });
        assertThat(ledger.latest("never-priced"), is(Optional.empty()));
        assertThat(history(ledger, Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 7), equalTo(expected));
        long from = expected.get(expected.size() / 3).timestampNanos();
        long to = expected.get(expected.size() * 2 / 3).timestampNanos();
        assertThat(history(ledger, Optional.empty(), from, to, 4),
                   equalTo(expected.subList(expected.size() / 3, expected.size() * 2 / 3)));
        String first = expected.getFirst().productId();
        assertThat(history(ledger, Optional.of(first), from, to, 2),
                   equalTo(byProduct.get(first).stream()
                                    .filter(r -> r.timestampNanos() >= from && r.timestampNanos() < to).toList()));
    }

    /** Both ledgers serve the same and continue the same: the next reprice gets the same sequence and chain. */
    private void assertSameAsFullScan(Ledger restored, Ledger fullScan, List<PriceRecord> expected) {
        assertThat("the full scan restored nothing from a snapshot", fullScan.restoredFromSnapshot(), is(0L));
        assertServes(restored, expected);
        assertServes(fullScan, expected);
        String product = expected.getLast().productId();
        clock.set(BASE.plus(Duration.ofHours(1)));
        PriceRecord next = restored.reprice(product, new BigDecimal("77.70"));
        assertThat(fullScan.reprice(product, new BigDecimal("77.70")), equalTo(next));
        assertThat(next.sequence(), is(expected.size() + 1L));
        assertThat(next.previousPrice(), equalTo(expected.getLast().newPrice()));
        PriceRecord fresh = restored.reprice("fresh", BigDecimal.ONE);
        assertThat(fullScan.reprice("fresh", BigDecimal.ONE), equalTo(fresh));
    }

    // ---- round trip ----

    @Test
    void aRestartFromTheSnapshotServesWhatAFullScanServes() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 95, PRODUCTS);
        writeFiles(data(), records);
        snapshotByCleanShutdown(data());
        Path fullScan = fullScanCopy(data());

        Ledger restored = start(data());
        Ledger scanned = start(fullScan);

        assertThat(restored.restoredFromSnapshot(), is(95L));
        assertSameAsFullScan(restored, scanned, records);
    }

    @Test
    void recordsWrittenThroughTheLedgerRoundTrip() throws Exception {
        Ledger ledger = start(data());
        List<PriceRecord> records = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            clock.set(BASE.plusMillis(37L * i));
            String product = i % 4 == 0 ? "hot" : "p" + i % 9 + (i % 5 == 0 ? "/été \"x\"" : "");
            records.add(ledger.reprice(product, BigDecimal.valueOf(i * 1001L + 1, i % 19)));
        }
        ledger.close();
        Path fullScan = fullScanCopy(data());

        Ledger restored = start(data());

        assertThat(restored.restoredFromSnapshot(), is(60L));
        assertSameAsFullScan(restored, start(fullScan), records);
    }

    @Test
    void aSnapshotPlusLaterFilesPlusPendingLogEntries() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 75, PRODUCTS);
        writeFiles(data(), records.subList(0, 40));
        snapshotByCleanShutdown(data());
        // then, without a snapshot: files 41–60 (51–60 still in the log's range) and logged records up to 75
        writeFiles(data(), records.subList(40, 60));
        try (Stream<Path> segments = Files.list(data().resolve("log"))) {
            for (Path segment : (Iterable<Path>) segments::iterator) {
                Files.delete(segment);
            }
        }
        writeLogSegment(data(), records.subList(50, 75));
        Path fullScan = fullScanCopy(data());

        Ledger restored = start(data());

        assertThat(restored.restoredFromSnapshot(), is(40L));
        assertSameAsFullScan(restored, start(fullScan), records);
        restored.close();
        assertThat(assertResultsConsistent(data(), 77, WINDOW, MAX_RECORDS).subList(0, 75), equalTo(records));
    }

    @Test
    void theNextCleanShutdownCoversTheNewRecords() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 30, PRODUCTS);
        writeFiles(data(), records);
        snapshotByCleanShutdown(data());
        Ledger ledger = start(data());
        PriceRecord added = ledger.reprice("added", BigDecimal.TEN);
        ledger.close();

        Ledger restored = start(data());

        assertThat(restored.restoredFromSnapshot(), is(31L));
        List<PriceRecord> all = new ArrayList<>(records);
        all.add(added);
        assertServes(restored, all);
    }

    // ---- incremental: a base and its deltas ----

    /**
     * Reprices in rounds with a background-style snapshot after each (a base, then deltas), a copy of the index
     * folder taken as a crash would leave it, then more reprices and a clean shutdown.
     *
     * @return every record; the copy is in {@code atCrash}
     */
    private List<PriceRecord> deltasThenMore(Path atCrash) throws Exception {
        Ledger ledger = start(data());
        List<PriceRecord> records = new ArrayList<>();
        int[] rounds = {800, 10, 10, 10}; // deltas small beside the base, so none is folded into a new one
        for (int round : rounds) {
            for (int i = 0; i < round; i++) {
                clock.set(BASE.plusMillis(3L * records.size()));
                String product = "p" + records.size() % (round > 10 ? 13 : 2);
                records.add(ledger.reprice(product, BigDecimal.valueOf(records.size() + 1, 2)));
            }
            int expected = records.size();
            // One part per round, covering the whole round: a base of 800 first, then three deltas of 10.
            StorageFixtures.await(Duration.ofSeconds(30), () -> ledger.resultsSyncedThrough() == expected,
                                  "results/ synced through " + expected);
            assertThat(ledger.writeSnapshotNow(), is(true));
            assertThat(RestoredIndex.of(data().resolve("index")).lastSequence(), is((long) expected));
        }
        copyTree(data().resolve("index"), atCrash);
        for (int i = 0; i < 25; i++) {
            clock.set(BASE.plusMillis(3L * records.size()));
            records.add(ledger.reprice("late" + i % 3, BigDecimal.valueOf(i + 1)));
        }
        ledger.close();
        deleteTree(data().resolve("index"));
        copyTree(atCrash, data().resolve("index"));
        return records;
    }

    private static long deltasIn(Path indexFolder) throws IOException {
        try (Stream<Path> listing = Files.list(indexFolder)) {
            return listing.filter(path -> path.getFileName().toString().startsWith("delta-")).count();
        }
    }

    @Test
    void aStartAfterACrashRestoresTheBaseAndItsDeltasThenReadsTheFilesAfterThem() throws Exception {
        Path atCrash = root.resolve("index-at-crash");
        List<PriceRecord> records = deltasThenMore(atCrash);
        assertThat("the crash left deltas", deltasIn(atCrash), is(3L));

        Ledger restored = start(data());

        assertThat(restored.restoredFromSnapshot(), is(830L));
        assertSameAsFullScan(restored, start(fullScanCopy(data())), records);
    }

    @Test
    void aTornLastDeltaIsIgnoredAndItsRecordsReadFromTheirFiles() throws Exception {
        Path atCrash = root.resolve("index-at-crash");
        List<PriceRecord> records = deltasThenMore(atCrash);
        Path last;
        try (Stream<Path> listing = Files.list(data().resolve("index"))) {
            last = listing.filter(path -> path.getFileName().toString().startsWith("delta-")).max(Path::compareTo)
                          .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(last);
        Files.write(last, Arrays.copyOf(bytes, bytes.length / 2));
        long chainBeforeIt = RestoredIndex.of(data().resolve("index")).lastSequence();

        Ledger restored = start(data());

        assertThat(chainBeforeIt, is(both(greaterThanOrEqualTo(800L)).and(lessThan(830L))));
        assertThat(restored.restoredFromSnapshot(), is(chainBeforeIt));
        assertSameAsFullScan(restored, start(fullScanCopy(data())), records);
    }

    // ---- a snapshot that cannot be trusted is ignored ----

    @ParameterizedTest(name = "byte {0} flipped")
    @ValueSource(ints = {0, 9, 13, 30, 40, -2, -1})
    void aDamagedSnapshotFallsBackToAFullScan(int offset) throws Exception {
        List<PriceRecord> records = chainedRecords(1, 55, PRODUCTS);
        writeFiles(data(), records);
        snapshotByCleanShutdown(data());
        byte[] bytes = Files.readAllBytes(snapshotOf(data()));
        int at = offset >= 0 ? offset : bytes.length + offset;
        bytes[at] ^= 0x20;
        Files.write(snapshotOf(data()), bytes);

        Ledger ledger = start(data());

        assertThat(ledger.restoredFromSnapshot(), is(0L));
        assertSameAsFullScan(ledger, start(fullScanCopy(data())), records);
    }

    @ParameterizedTest(name = "cut to {0} of the bytes")
    @ValueSource(doubles = {0.0, 0.1, 0.5, 0.99})
    void aTruncatedSnapshotFallsBackToAFullScan(double share) throws Exception {
        List<PriceRecord> records = chainedRecords(1, 55, PRODUCTS);
        writeFiles(data(), records);
        snapshotByCleanShutdown(data());
        byte[] bytes = Files.readAllBytes(snapshotOf(data()));
        Files.write(snapshotOf(data()), Arrays.copyOf(bytes, (int) (bytes.length * share)));

        Ledger ledger = start(data());

        assertThat(ledger.restoredFromSnapshot(), is(0L));
        assertServes(ledger, records);
        ledger.close();
        assertThat("the fallback start writes a good snapshot again", start(data()).restoredFromSnapshot(), is(55L));
    }

    @Test
    void aSnapshotOfAnotherHistoryFallsBackToAFullScan() throws Exception {
        Path other = root.resolve("other");
        writeFiles(other, chainedRecords(1, 50, 3, new HashMap<>(), StorageFixtures.BASE_NANOS + 5_000_000L));
        snapshotByCleanShutdown(other);
        List<PriceRecord> records = chainedRecords(1, 50, PRODUCTS); // the same sequences, other times
        writeFiles(data(), records);
        Files.createDirectories(data().resolve("index"));
        Files.copy(snapshotOf(other), snapshotOf(data()));

        Ledger ledger = start(data());

        assertThat(ledger.restoredFromSnapshot(), is(0L));
        assertServes(ledger, records);
    }

    /** A crash left the log holding records 21–40 (its segment was not trimmed yet); the snapshot covers 1–35. */
    private List<PriceRecord> snapshotWithCoveredFilesInTheLogsRange() throws IOException {
        List<PriceRecord> records = chainedRecords(1, 40, PRODUCTS);
        writeFiles(data(), records.subList(0, 35));
        snapshotByCleanShutdown(data());
        try (Stream<Path> segments = Files.list(data().resolve("log"))) {
            for (Path segment : (Iterable<Path>) segments::iterator) {
                Files.delete(segment);
            }
        }
        writeLogSegment(data(), records.subList(20, 40));
        return records;
    }

    private Path resultsFile(List<PriceRecord> records) {
        return data().resolve("results").resolve(new ResultsFileName(records.getFirst().sequence(),
                records.getFirst().timestampNanos(), records.size()).toString());
    }

    @Test
    void aCoveredFileThatWasDeletedFallsBackToAFullScanWhichRewritesItFromTheLog() throws Exception {
        List<PriceRecord> records = snapshotWithCoveredFilesInTheLogsRange();
        Files.delete(resultsFile(records.subList(20, 30)));

        Ledger ledger = start(data());

        assertThat(ledger.restoredFromSnapshot(), is(0L));
        assertServes(ledger, records);
        assertThat(assertResultsConsistent(data(), 40, WINDOW, MAX_RECORDS), equalTo(records));
    }

    @Test
    void aCoveredFileThatWasRenamedFallsBackToAFullScan() throws Exception {
        List<PriceRecord> records = snapshotWithCoveredFilesInTheLogsRange();
        Path file = resultsFile(records.subList(20, 30));
        Files.move(file, data().resolve("results").resolve(new ResultsFileName(21, records.get(20).timestampNanos(), 9)
                                                                   .toString()));

        Ledger ledger = start(data());

        assertThat(ledger.restoredFromSnapshot(), is(0L));
        assertServes(ledger, records);
        assertThat(assertResultsConsistent(data(), 40, WINDOW, MAX_RECORDS), equalTo(records));
    }

    @Test
    void aCoveredFileThatIsGoneForGoodStopsTheStartAsAFullScanWould() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 35, PRODUCTS);
        writeFiles(data(), records);
        snapshotByCleanShutdown(data());
        Path gone = resultsFile(records.subList(10, 20));
        Files.delete(gone);

        RuntimeException failure = assertThrows(RuntimeException.class, () -> start(data()));

        assertThat(failure.getMessage(), containsString("11 to 20"));
    }

    // ---- writing ----

    @Test
    void anInterruptedWriteLeavesTheOldSnapshot() throws Exception {
        writeFiles(data(), chainedRecords(1, 30, PRODUCTS));
        snapshotByCleanShutdown(data());
        byte[] before = Files.readAllBytes(snapshotOf(data()));
        IndexSnapshotStore store = new IndexSnapshotStore(data().resolve("index"), StorageFiles.DEFAULT);

        assertThrows(IOException.class, () -> store.writeBase(new IndexSnapshot.Part(1, 0, 40, 1, 4, 0), () -> true,
                                                             encoder -> {
            for (int i = 0; i < 4; i++) {
                encoder.fileRecordCount(10);
            }
        }));

        assertThat(Files.readAllBytes(snapshotOf(data())), equalTo(before));
        try (Stream<Path> index = Files.list(data().resolve("index"))) {
            assertThat(index.toList(), equalTo(List.of(snapshotOf(data()))));
        }
    }

    @Test
    void aTemporaryFileLeftByACrashIsRemovedAndTheSnapshotUsed() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 30, PRODUCTS);
        writeFiles(data(), records);
        snapshotByCleanShutdown(data());
        Path leftover = data().resolve("index").resolve("snapshot.tmp");
        Files.write(leftover, new byte[] {1, 2, 3});

        Ledger ledger = start(data());

        assertThat(ledger.restoredFromSnapshot(), is(30L));
        assertThat(Files.exists(leftover), is(false));
        assertServes(ledger, records);
    }

    /**
     * A snapshot taken while reprices go on covers only what is in fsync'ed results files; products whose latest
     * record is newer than that are written as they were at that point.
     */
    @Test
    void aSnapshotTakenUnderLoadRestoresTheStateAtItsPoint() throws Exception {
        StorageConfig config = StorageConfig.defaults(data()).withWindow(Duration.ofMillis(20), 5);
        Ledger ledger = opened.add(StorageFixtures.openAndRecover(config, Clock.systemUTC()));
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writers = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int thread = t;
            running.add(writers.submit(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String product = i % 3 == 0 ? "new-" + thread + "-" + i : "hot-" + i % 2;
                    ledger.reprice(product, BigDecimal.valueOf(thread * 1_000_000L + i + 1, 2));
                }
                return null;
            }));
        }
        Path midway = root.resolve("index-midway");
        long covered;
        try {
            StorageFixtures.await(Duration.ofSeconds(30), () -> ledger.recordCount() > 300, "300 records");
            StorageFixtures.await(Duration.ofSeconds(30), ledger::writeSnapshotNow, "a snapshot under load");
            copyTree(data().resolve("index"), midway);
            covered = RestoredIndex.of(midway).lastSequence();
            long then = ledger.recordCount();
            StorageFixtures.await(Duration.ofSeconds(30), () -> ledger.recordCount() > then + 100, "more records");
        } finally {
            stop.set(true);
            writers.shutdown();
        }
        for (Future<?> writer : running) {
            writer.get(30, TimeUnit.SECONDS);
        }
        ledger.close();
        long total = ledger.recordCount();
        assertThat(covered, greaterThan(0L));
        assertThat(covered, lessThan(total));
        deleteTree(data().resolve("index"));
        copyTree(midway, data().resolve("index"));
        Path fullScan = fullScanCopy(data());

        Ledger restored = opened.add(StorageFixtures.openAndRecover(config, Clock.systemUTC()));
        Ledger scanned = opened.add(StorageFixtures.openAndRecover(StorageConfig.defaults(fullScan).withWindow(
                Duration.ofMillis(20), 5), Clock.systemUTC()));

        assertThat(restored.restoredFromSnapshot(), is(covered));
        List<PriceRecord> expected = history(scanned, Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 1000);
        assertThat(expected.size(), is((int) total));
        assertServes(restored, expected);
        assertServes(scanned, expected);
        assertSnapshotHolds(RestoredIndex.of(midway), expected.subList(0, (int) covered));
    }

    /** The snapshot's products are exactly those of {@code records}, each with its last record and positions. */
    private static void assertSnapshotHolds(RestoredIndex snapshot, List<PriceRecord> records) {
        assertThat(snapshot.lastOfEachProduct(), equalTo(RestoredIndex.lastOfEachProduct(records)));
        assertThat(snapshot.sequences(), equalTo(RestoredIndex.sequencesOf(records)));
        assertThat(snapshot.timestamps(), equalTo(records.stream().map(PriceRecord::timestampNanos).toList()));
    }

    private static void deleteTree(Path tree) throws IOException {
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
