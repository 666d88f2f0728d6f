package com.repricer.storage;

import com.repricer.fixtures.MutableClock;
import com.repricer.storage.archive.ArchiveConfig;
import com.repricer.storage.archive.HistoryStart;
import com.repricer.storage.archive.LocalArchiveStore;
import com.repricer.storage.archive.SegmentName;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.storage.snapshot.IndexSnapshotStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static com.repricer.storage.StorageFixtures.BASE;
import static com.repricer.storage.StorageFixtures.price;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * History retention ({@code repricer.history.retention}, docs/archive.md): whole segments older than the retention
 * (from min(wall clock, newest record)) are deleted; what remains is queried, exported and restarted exactly as
 * before, each product keeps its last price, and a deletion cut short at any step — shown by failing that step
 * through the {@link StorageFiles} seam and starting again on what it left — leaves either the old start or the new
 * one, never a start that fails.
 */
class HistoryRetentionTest {

    private static final int RECORDS = 120;
    private static final int PRODUCTS = 7;
    /** 120 records 50 ms apart after two of the product "early": six seconds, six 1-second segments. */
    private static final Duration STEP = Duration.ofMillis(50);
    private static final Duration LOCAL_RETENTION = Duration.ofSeconds(2);
    private static final Duration SEGMENT = Duration.ofSeconds(1);
    private static final Duration RETENTION = Duration.ofSeconds(3);

    @TempDir
    Path dataDirectory;
    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();
    private final MutableClock clock = new MutableClock(BASE);
    private StorageConfig config;
    /** Every acknowledged record, in order. */
    private final List<PriceRecord> acknowledged = new ArrayList<>();
    /** The results files as the first run wrote them: name → bytes. */
    private final Map<String, byte[]> originals = new LinkedHashMap<>();

    @BeforeEach
    void writeHistory() throws IOException {
        config = StorageFixtures.smallWindows(dataDirectory);
        try (Ledger ledger = open(Optional.empty(), Duration.ofDays(1), StorageFiles.DEFAULT)) {
            acknowledged.add(ledger.reprice("early", price("1.00")));
            clock.advance(STEP);
            acknowledged.add(ledger.reprice("early", price("2.00"))); // its last record: deleted with the oldest
            for (int i = 0; i < RECORDS; i++) {
                clock.advance(STEP);
                acknowledged.add(ledger.reprice("product-" + i % PRODUCTS, price(i + 1 + ".50")));
            }
        }
        originals.putAll(StorageFixtures.resultsFileBytes(config));
    }

    private Ledger open(Optional<Duration> retention, Duration localRetention, StorageFiles files) throws IOException {
        ArchiveConfig archive = ArchiveConfig.defaults(dataDirectory).withTiming(localRetention, SEGMENT)
                                             .withHistoryRetention(retention);
        return opened.add(StorageFixtures.openAndRecover(config, archive, clock, files));
    }

    @Test
    void oldSegmentsAreDeletedAndWhatRemainsIsServedAsBeforeAlsoAfterARestart() throws IOException {
        Ledger ledger = open(Optional.of(RETENTION), LOCAL_RETENTION, StorageFiles.DEFAULT);
        ledger.archiveNow();
        ledger.deleteExpiredNow(); // the background may have done it already: the outcome is the same

        long newest = acknowledged.getLast().timestampNanos();
        long cutoff = newest - RETENTION.toNanos(); // the newest record is before the clock: it is the reference
        List<SegmentName> kept = ledger.archivedSegments();
        long start = kept.getFirst().firstSequence();
        assertThat("segments deleted", start, is(greaterThan(20L)));
        assertThat("the deleted segments' records are all older than the cut-off", timestampOf(start - 1) < cutoff,
                   is(true));
        assertThat("the first kept segment has a record at or after the cut-off",
                   timestampOf(kept.getFirst().lastSequence()) >= cutoff, is(true));
        assertThat(ledger.historyStart(), is(start));
        assertThat(HistoryStart.read(dataDirectory).firstSequence(), is(start));
        assertThat(storeListing(), equalTo(kept));
        assertKept(ledger, start);
        ledger.close();

        Ledger withSnapshot = open(Optional.empty(), Duration.ofDays(1), StorageFiles.DEFAULT);
        assertThat(withSnapshot.restoredFromSnapshot(), is((long) RECORDS + 2));
        assertKept(withSnapshot, start);
        withSnapshot.close();

        Files.delete(config.indexDirectory().resolve(IndexSnapshotStore.FILE_NAME));
        Ledger withoutSnapshot = open(Optional.empty(), Duration.ofDays(1), StorageFiles.DEFAULT);
        assertThat(withoutSnapshot.restoredFromSnapshot(), is(0L));
        assertKept(withoutSnapshot, start);

        // Sequences go on; the chain of a product whose records were all deleted goes on from its last price.
        PriceRecord next = withoutSnapshot.reprice("early", price("3.00"));
        assertThat(next.sequence(), is((long) RECORDS + 3));
        assertThat(next.previousPrice(), is(price("2.00")));
        withoutSnapshot.close();

        // A snapshot written after the deletion starts at the history's start too.
        Ledger again = open(Optional.empty(), Duration.ofDays(1), StorageFiles.DEFAULT);
        assertThat(again.restoredFromSnapshot(), is((long) RECORDS + 3));
        assertThat(again.historyStart(), is(start));
        assertThat(again.latest("early").orElseThrow(), is(next));
    }

    /**
     * The reference time is min(wall clock, newest record): while writes stop, the newest record stays, however
     * far the clock runs, and the segment holding it is never deleted.
     */
    @Test
    void whileWritesStopTheNewestRecordIsKeptHoweverLateItGets() throws IOException {
        Ledger ledger = open(Optional.of(RETENTION), LOCAL_RETENTION, StorageFiles.DEFAULT);
        clock.advance(Duration.ofDays(30));
        ledger.archiveNow(); // everything is past the local retention now: all archived
        ledger.deleteExpiredNow();

        long newest = acknowledged.getLast().timestampNanos();
        long start = ledger.historyStart();
        assertThat(timestampOf(start) >= newest - RETENTION.toNanos() - SEGMENT.toNanos(), is(true));
        assertThat(ledger.latest("product-" + (RECORDS - 1) % PRODUCTS).orElseThrow(), is(acknowledged.getLast()));
        assertKept(ledger, start);
    }

    /** Where a deletion is cut short. */
    enum Cut {
        /** Renaming the new history start into place: nothing changes. */
        WRITE_START,
        /** The start is durable; deleting the first segment's data fails: every deleted segment is still stored. */
        DELETE_DATA,
        /** The first segment's data is deleted, its index is not. */
        DELETE_INDEX
    }

    @ParameterizedTest
    @EnumSource(Cut.class)
    void aDeletionCutShortAtAnyStepLeavesTheOldStartOrTheNewOne(Cut cut) throws IOException {
        CuttingFiles cutting = new CuttingFiles(cut);
        Ledger interrupted = open(Optional.of(RETENTION), LOCAL_RETENTION, cutting);
        interrupted.archiveNow();
        List<SegmentName> archived = interrupted.archivedSegments();
        interrupted.deleteExpiredNow();
        assertThat("the deletion was cut at " + cut, cutting.cuts.get(), is(greaterThan(0)));
        long start = interrupted.historyStart();
        assertThat(start, is(cut == Cut.WRITE_START ? 1L : interrupted.archivedSegments().getFirst().firstSequence()));
        interrupted.close(); // what the cut left stays on disk, as after a kill at that point

        // Retention switched off: the start is where the history start file says, whatever the store still holds.
        Ledger restarted = open(Optional.empty(), Duration.ofDays(1), StorageFiles.DEFAULT);
        assertThat(restarted.historyStart(), is(start));
        assertKept(restarted, start);
        List<SegmentName> listed = storeListing();
        assertThat(listed.subList(listed.size() - restarted.archivedSegments().size(), listed.size()),
                   equalTo(restarted.archivedSegments()));
        restarted.close();

        // Retention on again: it finishes the deletion (or makes it) and deletes what the cut left in the store.
        Ledger resumed = open(Optional.of(RETENTION), LOCAL_RETENTION, StorageFiles.DEFAULT);
        resumed.deleteExpiredNow();
        long finalStart = resumed.historyStart();
        assertThat(finalStart, is(greaterThan(1L)));
        assertThat(storeListing(), equalTo(resumed.archivedSegments()));
        assertThat(storeListing().getFirst().firstSequence(), is(finalStart));
        assertThat(archived.stream().anyMatch(s -> s.firstSequence() == finalStart), is(true));
        assertKept(resumed, finalStart);
    }

    /**
     * The heap over simulated days (an injected clock, 20 records an hour, hourly segments, a local retention of an
     * hour and a retention of three): the records in the history index and the results files in the file table
     * stay flat once retention deletes, instead of growing with every day.
     */
    @Test
    void theIndexStaysFlatWhileSimulatedDaysPass() throws IOException {
        StorageConfig soak = StorageConfig.defaults(dataDirectory.resolve("soak")).withWindow(Duration.ofMillis(100), 10)
                                          .withResultsSyncInterval(Duration.ofMillis(10));
        ArchiveConfig archive = ArchiveConfig.defaults(soak.dataDirectory())
                                             .withTiming(Duration.ofHours(1), Duration.ofHours(1))
                                             .withHistoryRetention(Optional.of(Duration.ofHours(3)));
        Ledger ledger = opened.add(StorageFixtures.openAndRecover(soak, archive, clock, StorageFiles.DEFAULT));
        List<Long> keptPerDay = new ArrayList<>();
        List<Integer> filesPerDay = new ArrayList<>();
        List<Integer> positionsPerDay = new ArrayList<>();
        for (int hour = 1; hour <= 24 * 4; hour++) {
            for (int i = 0; i < 20; i++) {
                clock.advance(Duration.ofMinutes(3));
                ledger.reprice("sku-" + i % 13, price(hour + "." + (10 + i)));
            }
            StorageFixtures.await(Duration.ofSeconds(20), () -> ledger.resultsSyncedThrough() == ledger.recordCount()
                                                                 + ledger.historyStart() - 1, "the hour filed");
            ledger.archiveNow();
            ledger.deleteExpiredNow();
            if (hour % 24 == 0) {
                keptPerDay.add(ledger.recordCount());
                filesPerDay.add(ledger.resultsFilesAfter(Optional.empty()).size());
                positionsPerDay.add(ledger.positionsHeld("sku-0"));
            }
        }
        assertThat("records in the index, day by day", keptPerDay.getLast(), is(lessThanOrEqualTo(20L * 6)));
        assertThat(keptPerDay.getLast(), is(keptPerDay.get(1)));
        assertThat("results files in the table, day by day", filesPerDay.getLast(), is(filesPerDay.get(1)));
        assertThat("a product's positions, day by day", positionsPerDay.getLast(), is(positionsPerDay.get(1)));
        assertThat(positionsPerDay.getLast(), is(lessThanOrEqualTo(16)));
        assertThat(ledger.historyStart(), is(greaterThan(20L * 24 * 3)));
        assertThat(ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0, 1000))
                         .records().size(), is((int) ledger.recordCount()));
    }

    @Test
    void aRetentionShorterThanTheLocalRetentionPlusASegmentIsRefused() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () ->
                ArchiveConfig.defaults(dataDirectory).withTiming(LOCAL_RETENTION, SEGMENT)
                             .withHistoryRetention(Optional.of(Duration.ofMillis(2999))));
        assertThat(refused.getMessage().contains("repricer.history.retention"), is(true));
    }

    /**
     * What is kept is served exactly: pages of all records and of each product from {@code start}, every product's
     * last price (also of products whose records were all deleted), and the export of every file from the start,
     * byte for byte, also with {@code since} naming a deleted file.
     */
    private void assertKept(Ledger ledger, long start) {
        List<PriceRecord> expected = acknowledged.stream().filter(r -> r.sequence() >= start).toList();
        List<PriceRecord> queried = new ArrayList<>();
        for (int page = 1; ; page++) {
            HistoryPage found = ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE,
                                                                (page - 1) * 7L, 7));
            queried.addAll(found.records());
            if (!found.hasNext()) {
                break;
            }
        }
        assertThat(queried, equalTo(expected));
        assertThat(ledger.recordCount(), is((long) expected.size()));
        for (String id : Stream.concat(Stream.of("early"),
                                       Stream.iterate(0, p -> p + 1).limit(PRODUCTS).map(p -> "product-" + p)).toList()) {
            HistoryPage found = ledger.history(new HistoryQuery(Optional.of(id), Long.MIN_VALUE, Long.MAX_VALUE, 0, 1000));
            assertThat(found.records(), equalTo(expected.stream().filter(r -> r.productId().equals(id)).toList()));
            PriceRecord last = acknowledged.reversed().stream().filter(r -> r.productId().equals(id)).findFirst()
                                           .orElseThrow();
            assertThat(id, ledger.latest(id), is(Optional.of(last)));
        }
        // A query from before the start answers what remains.
        assertThat(ledger.history(new HistoryQuery(Optional.empty(), acknowledged.getFirst().timestampNanos(),
                                                   Long.MAX_VALUE, 0, 1)).records(), equalTo(expected.subList(0, 1)));

        List<ResultsFileName> files = ledger.resultsFilesAfter(Optional.empty());
        assertThat(files.getFirst().firstSequence(), is(start));
        List<String> kept = originals.keySet().stream()
                                     .filter(name -> ResultsFileName.parse(name).orElseThrow().firstSequence() >= start)
                                     .toList();
        assertThat(files.stream().map(ResultsFileName::toString).toList(), equalTo(kept));
        for (ResultsFileName file : files) {
            assertThat(file.toString(), ledger.resultsFileBytes(file), equalTo(originals.get(file.toString())));
        }
        String firstOriginal = originals.keySet().iterator().next();
        if (start > 1) {
            assertThat("since= a deleted file: what remains",
                       ledger.resultsFilesAfter(ResultsFileName.parse(firstOriginal)), equalTo(files));
        }
    }

    private long timestampOf(long sequence) {
        return acknowledged.get((int) sequence - 1).timestampNanos();
    }

    private List<SegmentName> storeListing() throws IOException {
        try (LocalArchiveStore store = LocalArchiveStore.open(dataDirectory.resolve("archive"), StorageFiles.DEFAULT)) {
            return store.list();
        }
    }

    /** The real file system, with the operation of one {@link Cut} failing from its first occurrence on. */
    private final class CuttingFiles extends StorageFiles {

        private final Cut cut;
        final AtomicInteger cuts = new AtomicInteger();

        CuttingFiles(Cut cut) {
            this.cut = cut;
        }

        private IOException cutHere(Object where) {
            cuts.incrementAndGet();
            return new IOException("Input/output error (injected: deletion cut at " + cut + ", " + where + ")");
        }

        @Override
        public void move(Path source, Path target, CopyOption... options) throws IOException {
            if (cut == Cut.WRITE_START && target.getFileName().toString().equals(HistoryStart.FILE_NAME)) {
                throw cutHere(target);
            }
            super.move(source, target, options);
        }

        @Override
        public boolean delete(Path file) throws IOException {
            String name = file.getFileName().toString();
            boolean inArchive = file.toAbsolutePath().normalize()
                                    .startsWith(dataDirectory.resolve("archive").toAbsolutePath().normalize());
            if (inArchive && (cut == Cut.DELETE_DATA && name.endsWith(SegmentName.DATA_SUFFIX)
                              || cut == Cut.DELETE_INDEX && name.endsWith(SegmentName.INDEX_SUFFIX))) {
                throw cutHere(file);
            }
            return super.delete(file);
        }
    }

    @Test
    void noStartFileMeansTheWholeHistory() throws IOException {
        assertThat(HistoryStart.read(dataDirectory), is(HistoryStart.WHOLE));
        Ledger ledger = open(Optional.empty(), Duration.ofDays(1), StorageFiles.DEFAULT);
        assertThat(ledger.historyStart(), is(1L));
        assertKept(ledger, 1);
        assertThat(Files.exists(dataDirectory.resolve(HistoryStart.FILE_NAME)), is(false));
        assertThat(storeListing(), is(empty()));
    }
}
