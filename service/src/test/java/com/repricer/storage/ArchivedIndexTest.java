package com.repricer.storage;

import com.repricer.fixtures.MutableClock;
import com.repricer.storage.archive.ArchiveConfig;
import com.repricer.storage.archive.HistoryStart;
import com.repricer.storage.archive.SegmentName;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.storage.snapshot.IndexSnapshotStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static com.repricer.storage.StorageFixtures.price;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;

/**
 * The in-memory history index holds only the records not archived (issue 13, item 4: heap and restart independent
 * of archived history); the archived part of every page is answered from the segments' {@code .idx}. Every page —
 * all products and one product, {@code from}/{@code to} before, inside and across the archive boundary, deep
 * offsets, {@code hasNext} at the edges — is compared with the same page computed from the acknowledged records,
 * before any move, after a partial move, once everything is archived, and after restarts with and without the
 * index snapshot.
 */
class ArchivedIndexTest {

    private static final int RECORDS = 120;
    private static final int PRODUCTS = 7;
    /** 120 records 50 ms apart: six seconds, six 1-second segments. */
    private static final long STEP_NANOS = 50_000_000L;
    /** The product carried from before a {@link #firstSequence()} other than 1. */
    static final String CARRIED = "carried-from-deleted-history";

    @TempDir
    Path dataDirectory;
    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();
    private final MutableClock clock = new MutableClock(StorageFixtures.BASE);
    private StorageConfig config;
    private final List<PriceRecord> acknowledged = new ArrayList<>();
    private final List<String> fileNames = new ArrayList<>();

    /**
     * The history's first sequence: 1 here; {@link ArchivedIndexPastTheIntRangeTest} starts it just below 2^31
     * (a deletion by history retention left it there) with a product carried from before it.
     */
    long firstSequence() {
        return 1;
    }

    @BeforeEach
    void writeHistoryWithoutArchiving() throws IOException {
        config = StorageConfig.defaults(dataDirectory).withWindow(Duration.ofMillis(200), 10)
                              .withResultsSyncInterval(Duration.ofMillis(10));
        if (firstSequence() > 1) {
            PriceRecord carried = new PriceRecord(firstSequence() - 1, CARRIED, null, price("3.25"),
                                                  StorageFixtures.BASE_NANOS - 1);
            new HistoryStart(firstSequence(), List.of(carried)).write(dataDirectory, StorageFiles.DEFAULT);
        }
        try (Ledger ledger = open(Duration.ofDays(1))) {
            for (int i = 0; i < RECORDS; i++) {
                clock.advance(Duration.ofNanos(STEP_NANOS));
                acknowledged.add(ledger.reprice("product-" + i % PRODUCTS, price(i + 1 + ".50")));
            }
        }
        try (Stream<Path> files = Files.list(config.resultsDirectory())) {
            files.map(file -> file.getFileName().toString()).sorted().forEach(fileNames::add);
        }
    }

    Ledger open(Duration localRetention) throws IOException {
        ArchiveConfig archive = ArchiveConfig.defaults(config.dataDirectory())
                                             .withTiming(localRetention, Duration.ofSeconds(1));
        return opened.add(StorageFixtures.openAndRecover(config, archive, clock, StorageFiles.DEFAULT));
    }

    @Test
    void pagesAreTheSameBeforeAfterAMoveAndAfterRestartsWithAndWithoutTheSnapshot() throws IOException {
        Ledger ledger = open(Duration.ofSeconds(2));
        ledger.archiveNow(); // the clock is at the newest record: the spans ending 2 s before it are due
        long archived = lastArchived(ledger);
        assertThat("part of the history is archived", archived, greaterThan(20L));
        assertThat("part is still loose", archived, lessThan((long) RECORDS - 20));
        assertThat("the index holds only the loose records", ledger.indexedRecords(), is(RECORDS - archived));
        assertThat(ledger.recordCount(), is((long) RECORDS));
        assertEveryPage(ledger, "after a partial move");
        assertExport(ledger);
        ledger.close();

        Ledger withSnapshot = open(Duration.ofDays(1));
        assertThat(withSnapshot.restoredFromSnapshot(), is(sequenceOf(RECORDS)));
        assertThat(withSnapshot.indexedRecords(), is(RECORDS - archived));
        assertEveryPage(withSnapshot, "after a restart with the snapshot");
        withSnapshot.close();

        deleteSnapshot();
        Ledger withoutSnapshot = open(Duration.ofDays(1));
        assertThat(withoutSnapshot.restoredFromSnapshot(), is(0L));
        assertThat(withoutSnapshot.indexedRecords(), is(RECORDS - archived));
        assertEveryPage(withoutSnapshot, "after a restart without the snapshot");
        assertExport(withoutSnapshot);
        assertPricesAndChainsGoOn(withoutSnapshot);
    }

    @Test
    void onceEverythingIsArchivedTheIndexIsEmptyAndPagesComeFromTheSegments() throws IOException {
        Ledger ledger = open(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(3)); // the newest record is past the retention: all is due
        ledger.archiveNow();
        assertThat(lastArchived(ledger), is((long) RECORDS));
        assertThat(ledger.indexedRecords(), is(0L));
        assertEveryPage(ledger, "all archived");
        assertExport(ledger);
        ledger.close();

        Ledger withSnapshot = open(Duration.ofDays(1));
        assertThat(withSnapshot.indexedRecords(), is(0L));
        assertEveryPage(withSnapshot, "all archived, restarted with the snapshot");
        // Products whose records are all archived keep their price, and each keeps at most one position.
        for (int p = 0; p < PRODUCTS; p++) {
            assertThat(withSnapshot.latest("product-" + p).orElseThrow(), equalTo(lastOf("product-" + p)));
        }
        PriceRecord next = withSnapshot.reprice("product-0", price("999.00"));
        assertThat(next.previousPrice(), equalTo(lastOf("product-0").newPrice()));
        acknowledged.add(next);
        // The archived records' positions leave the products' lists on the writer's turn after the commit.
        StorageFixtures.await(Duration.ofSeconds(10), () -> withSnapshot.positionsHeld("product-1") == 1,
                              "the archived positions dropped");
        assertThat(withSnapshot.positionsHeld("product-0"), is(1));
        assertThat(withSnapshot.indexedRecords(), is(1L));
        assertEveryPage(withSnapshot, "all archived and one record after it");
        withSnapshot.close();

        // The snapshot written at that close is a base of record 121 alone: it carries the products whose records
        // are all archived, with their last record, so the start reads nothing of the archive.
        Ledger carried = open(Duration.ofDays(1));
        assertThat(carried.restoredFromSnapshot(), is(sequenceOf(RECORDS + 1)));
        assertThat(carried.indexedRecords(), is(1L));
        for (int p = 0; p < PRODUCTS; p++) {
            assertThat(carried.latest("product-" + p).orElseThrow(), equalTo(lastOf("product-" + p)));
        }
        assertEveryPage(carried, "restarted from a base that carries the archived products");
        carried.close();

        deleteSnapshot();
        Ledger withoutSnapshot = open(Duration.ofDays(1));
        assertThat(withoutSnapshot.indexedRecords(), is(1L));
        assertEveryPage(withoutSnapshot, "restarted without the snapshot");
        assertPricesAndChainsGoOn(withoutSnapshot);
    }

    /**
     * A start with the index snapshot reads the archive's listing, not its records: with every segment's data
     * overwritten by zeros of the same length it still starts, knows every product's price, and indexes only the
     * record after the archive; only a page that reads the archive finds the damage.
     */
    @Test
    void aStartWithTheSnapshotReadsNoArchivedRecord() throws IOException {
        Ledger ledger = open(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(3));
        ledger.archiveNow();
        assertThat(lastArchived(ledger), is((long) RECORDS));
        acknowledged.add(ledger.reprice("product-0", price("999.00"))); // the base written at close: record 121
        ledger.close();
        Path archive = ArchiveConfig.defaults(config.dataDirectory()).directory();
        try (Stream<Path> parts = Files.list(archive)) {
            for (Path data : parts.filter(part -> part.toString().endsWith(SegmentName.DATA_SUFFIX)).toList()) {
                Files.write(data, new byte[(int) Files.size(data)]);
            }
        }

        Ledger restarted = open(Duration.ofDays(1));
        assertThat(restarted.restoredFromSnapshot(), is(sequenceOf(RECORDS + 1)));
        assertThat(restarted.indexedRecords(), is(1L));
        for (int p = 0; p < PRODUCTS; p++) {
            assertThat(restarted.latest("product-" + p).orElseThrow(), equalTo(lastOf("product-" + p)));
        }
        org.junit.jupiter.api.Assertions.assertThrows(DamagedResultsException.class, () -> restarted.history(
                new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0, 10)));
    }

    /**
     * A snapshot older than the archive's end (a crash before the next one was written): it gives the products up
     * to it, the archived records after it set their last prices, and the index starts after the archive.
     */
    @Test
    void aSnapshotOlderThanTheArchivesEndIsUsedForTheProductsOnly() throws IOException {
        Path older = dataDirectory.resolveSibling(dataDirectory.getFileName() + "-snapshot");
        copyDirectory(config.indexDirectory(), older); // records 1 to 120
        Ledger ledger = open(Duration.ofSeconds(2));
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofNanos(STEP_NANOS));
            acknowledged.add(ledger.reprice("product-" + (i + 3), price("5" + i + ".25")));
        }
        clock.advance(Duration.ofSeconds(4));
        StorageFixtures.await(Duration.ofSeconds(20), () -> {
            ledger.archiveNow(); // once the results writer has filed the last window, it is all due
            return lastArchived(ledger) == RECORDS + 5;
        }, "everything archived");
        ledger.close();

        deleteSnapshot();
        copyDirectory(older, config.indexDirectory());
        Ledger restarted = open(Duration.ofDays(1));
        assertThat(restarted.restoredFromSnapshot(), is(sequenceOf(RECORDS)));
        assertThat(restarted.indexedRecords(), is(0L));
        for (int p = 0; p < PRODUCTS; p++) {
            assertThat(restarted.latest("product-" + p).orElseThrow(), equalTo(lastOf("product-" + p)));
        }
        assertEveryPage(restarted, "restarted from a snapshot older than the archive");
        assertPricesAndChainsGoOn(restarted);
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> parts = Files.list(from)) {
            for (Path part : parts.toList()) {
                Files.copy(part, to.resolve(part.getFileName()));
            }
        }
    }

    /** Moves happen while pages are read: a reader that races a move asks again and gets the same page. */
    @Test
    void pagesReadWhileSegmentsAreMovedAreTheSame() throws Exception {
        clock.set(StorageFixtures.BASE); // before the first record: nothing is due yet
        Ledger ledger = open(Duration.ofSeconds(2));
        assertThat(ledger.indexedRecords(), is((long) RECORDS));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong pagesRead = new AtomicLong();
        // Not an interrupt: it would close the segment's file channel under the read (ClosedByInterruptException).
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    for (long offset = 0; offset < RECORDS; offset += 13) {
                        assertPage(ledger, new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, offset,
                                                            7), "racing");
                        assertPage(ledger, new HistoryQuery(Optional.of("product-3"), Long.MIN_VALUE,
                                                            Long.MAX_VALUE, offset / 7, 3), "racing");
                        pagesRead.addAndGet(2);
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        for (int step = 0; step < 90; step++) { // a tenth of a second at a time: a segment every ten steps
            clock.advance(Duration.ofMillis(100));
            ledger.archiveNow();
            long read = pagesRead.get();
            StorageFixtures.await(Duration.ofSeconds(10), () -> pagesRead.get() > read + 20 || failure.get() != null,
                                  "pages read between two moves");
        }
        stop.set(true);
        reader.join();
        assertThat(failure.get(), is(nullValue()));
        assertThat(lastArchived(ledger), is((long) RECORDS));
        assertThat(ledger.indexedRecords(), is(0L));
        assertEveryPage(ledger, "after the race");
    }

    private void deleteSnapshot() throws IOException {
        try (Stream<Path> parts = Files.list(config.indexDirectory())) {
            for (Path part : parts.toList()) {
                Files.delete(part);
            }
        }
        assertThat(Files.exists(config.indexDirectory().resolve(IndexSnapshotStore.FILE_NAME)), is(false));
    }

    /** How many of the history's records are archived. */
    private long lastArchived(Ledger ledger) {
        List<SegmentName> segments = ledger.archivedSegments();
        return segments.isEmpty() ? 0 : segments.getLast().lastSequence() - (firstSequence() - 1);
    }

    /** The sequence of the history's {@code n}-th record. */
    private long sequenceOf(long n) {
        return firstSequence() - 1 + n;
    }

    private PriceRecord lastOf(String productId) {
        return acknowledged.stream().filter(r -> r.productId().equals(productId)).reduce((a, b) -> b).orElseThrow();
    }

    private void assertPricesAndChainsGoOn(Ledger ledger) {
        for (int p = 0; p < PRODUCTS; p++) {
            assertThat(ledger.latest("product-" + p).orElseThrow(), equalTo(lastOf("product-" + p)));
        }
        PriceRecord next = ledger.reprice("product-2", price("777.00"));
        assertThat(next.sequence(), is(acknowledged.getLast().sequence() + 1));
        assertThat(next.previousPrice(), equalTo(lastOf("product-2").newPrice()));
    }

    /** The export lists every file, archived or loose, in order, and {@code since} works on both sides. */
    private void assertExport(Ledger ledger) {
        List<String> all = names(ledger.resultsFilesAfter(Optional.empty()));
        assertThat(all, equalTo(fileNames));
        for (int i : new int[] {0, 3, fileNames.size() / 2, fileNames.size() - 2, fileNames.size() - 1}) {
            ResultsFileName since = ResultsFileName.parse(fileNames.get(i)).orElseThrow();
            assertThat("since " + since, names(ledger.resultsFilesAfter(Optional.of(since))),
                       equalTo(fileNames.subList(i + 1, fileNames.size())));
        }
        for (ResultsFileName file : ledger.resultsFilesAfter(Optional.empty())) {
            assertThat(ledger.resultsFileBytes(file).length, greaterThan(0));
        }
    }

    private static List<String> names(List<ResultsFileName> files) {
        return files.stream().map(ResultsFileName::toString).toList();
    }

    /** Every combination of product, range, offset and page size below, against the acknowledged records. */
    private void assertEveryPage(Ledger ledger, String when) {
        List<Long> stamps = acknowledged.stream().map(PriceRecord::timestampNanos).toList();
        long first = stamps.getFirst();
        long last = stamps.getLast();
        long[] froms = {Long.MIN_VALUE, first, stamps.get(19) + 1, stamps.get(60), stamps.get(99), last + 1};
        long[] tos = {Long.MAX_VALUE, first - 1, stamps.get(21), stamps.get(61), stamps.get(100), last};
        List<Optional<String>> products = new ArrayList<>();
        products.add(Optional.empty());
        products.add(Optional.of("nobody"));
        for (int p = 0; p < PRODUCTS; p++) {
            products.add(Optional.of("product-" + p));
        }
        for (Optional<String> product : products) {
            for (long from : froms) {
                for (long to : tos) {
                    for (long offset : new long[] {0, 1, 16, 17, 40, 118, 119, 120, 500}) {
                        for (int limit : new int[] {1, 10, 200}) {
                            assertPage(ledger, new HistoryQuery(product, from, to, offset, limit), when);
                        }
                    }
                }
            }
        }
    }

    private void assertPage(Ledger ledger, HistoryQuery query, String when) {
        List<PriceRecord> matching = acknowledged.stream()
                .filter(r -> query.productId().map(r.productId()::equals).orElse(true))
                .filter(r -> r.timestampNanos() >= query.fromNanos() && r.timestampNanos() < query.toNanos())
                .toList();
        int start = (int) Math.min(query.offset(), matching.size());
        int end = (int) Math.min(matching.size(), start + (long) query.limit());
        assertThat(when + ": " + query, ledger.history(query),
                   equalTo(new HistoryPage(matching.subList(start, end), end < matching.size())));
    }
}
