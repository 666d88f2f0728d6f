package com.repricer.storage;

import com.repricer.fixtures.Tmpfs;
import com.repricer.storage.archive.ArchiveConfig;
import com.repricer.storage.archive.ArchiveMover;
import com.repricer.storage.archive.ArchiveSegmentReader;
import com.repricer.storage.archive.DecodedFileCache;
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
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static com.repricer.storage.StorageFixtures.BASE_NANOS;
import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.price;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Moving results files into the archive (docs/archive.md): queries and the export read archived files as they
 * read loose ones, and a crash at any step of a move — shown by failing that step through the {@link StorageFiles}
 * seam and starting again on what it left — loses nothing and duplicates nothing: the archive's segments plus the
 * loose files are the original files, each exactly once, byte for byte.
 */
class ArchiveMoveTest {

    private static final int RECORDS = 120;
    private static final int PRODUCTS = 7;
    /** 120 records 50 ms apart: six seconds, six 1-second segments. */
    private static final long STEP_NANOS = 50_000_000L;
    private static final Duration SOON = Duration.ofSeconds(20);

    @TempDir
    Path dataDirectory;
    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();
    private final AtomicLong now = new AtomicLong(BASE_NANOS);
    private final Clock clock = new StorageFixtures.UtcClock() {
        @Override
        public Instant instant() {
            return Timestamps.instant(now.get());
        }
    };
    private StorageConfig config;
    /** Every acknowledged record, in order. */
    private final List<PriceRecord> acknowledged = new ArrayList<>();
    /** The results files as the first run wrote them: name → bytes. */
    private final Map<String, byte[]> originals = new LinkedHashMap<>();

    @BeforeEach
    void writeHistoryWithoutArchiving() throws IOException {
        config = StorageFixtures.smallWindows(dataDirectory);
        try (Ledger ledger = open(archiveConfig(Duration.ofDays(1)), StorageFiles.DEFAULT)) {
            for (int i = 0; i < RECORDS; i++) {
                now.addAndGet(STEP_NANOS);
                acknowledged.add(ledger.reprice("product-" + i % PRODUCTS, price(i + 1 + ".50")));
            }
        }
        originals.putAll(StorageFixtures.resultsFileBytes(config));
        assertThat(originals.size(), greaterThan(12));
    }

    private ArchiveConfig archiveConfig(Duration localRetention) {
        return ArchiveConfig.defaults(config.dataDirectory()).withTiming(localRetention, Duration.ofSeconds(1));
    }

    private Ledger open(ArchiveConfig archive, StorageFiles files) throws IOException {
        return opened.add(StorageFixtures.openAndRecover(config, archive, clock, files));
    }

    @Test
    void archivedRecordsAreQueriedAndExportedAsBefore() throws IOException {
        Ledger ledger = open(archiveConfig(Duration.ofSeconds(2)), StorageFiles.DEFAULT);
        await(SOON, () -> ledger.archivedSegments().size() >= 3, "three segments archived");
        ledger.archiveNow(); // after the background's turn: everything sealed is archived now
        List<SegmentName> segments = ledger.archivedSegments();
        await(SOON, () -> looseFileNames().stream().noneMatch(name -> sequenceOf(name) <= lastOf(segments)),
              "the archived files gone from results/");

        assertWholeHistory(ledger);
        ArchiveMover.Status status = ledger.archiveStatus();
        assertThat(status.segments(), is(segments.size()));
        assertThat(status.bytes(), is(segmentBytes(segments)));
        assertThat(status.looseFiles(), is(looseFileNames().size()));
        assertThat("the oldest loose window is at most one segment span past the retention", status.lagSeconds(),
                   lessThanOrEqualTo(1.0));

        // Sequences and chains continue after the archived part.
        PriceRecord next = ledger.reprice("product-0", price("999.00"));
        assertThat(next.sequence(), is((long) RECORDS + 1));
        assertThat(next.previousPrice(), is(lastPriceOf("product-0")));
    }

    @Test
    void aRestartReadsTheArchiveWithAndWithoutTheIndexSnapshot() throws IOException {
        try (Ledger ledger = open(archiveConfig(Duration.ofSeconds(2)), StorageFiles.DEFAULT)) {
            await(SOON, () -> ledger.archivedSegments().size() >= 3, "three segments archived");
        }
        Ledger withSnapshot = open(archiveConfig(Duration.ofDays(1)), StorageFiles.DEFAULT);
        assertThat(withSnapshot.restoredFromSnapshot(), is((long) RECORDS));
        assertWholeHistory(withSnapshot);
        assertEachFileOnceByteForByte(withSnapshot.archivedSegments());
        withSnapshot.close();

        Files.delete(config.indexDirectory().resolve(IndexSnapshotStore.FILE_NAME));
        Ledger withoutSnapshot = open(archiveConfig(Duration.ofDays(1)), StorageFiles.DEFAULT);
        assertThat(withoutSnapshot.restoredFromSnapshot(), is(0L));
        assertWholeHistory(withoutSnapshot);
    }

    /**
     * Writes stop (a full disk, say) and nothing follows the last span: it is archived all the same once the wall
     * clock passes the local retention, so that the archive frees results/ instead of waiting for a later file.
     */
    @Test
    void theLastSpanIsArchivedOnceTheClockPassesTheRetentionWithoutALaterFile() throws IOException {
        Ledger ledger = open(archiveConfig(Duration.ofSeconds(2)), StorageFiles.DEFAULT);
        ledger.archiveNow();
        assertThat("the clock has not passed the retention for the last spans yet",
                   lastOf(ledger.archivedSegments()), is(lessThanOrEqualTo((long) RECORDS - 20)));
        SegmentName lastBefore = ledger.archivedSegments().getLast();

        now.addAndGet(Duration.ofSeconds(3).toNanos()); // the newest record (at 6 s) is 3 s old: past the retention
        ledger.archiveNow();

        assertThat(lastOf(ledger.archivedSegments()), is((long) RECORDS));
        assertThat(looseFileNames(), is(empty()));
        assertThat(ledger.archivedSegments().stream().filter(s -> s.firstSequence() > lastBefore.lastSequence())
                         .count(), greaterThan(1L)); // the remaining spans, one segment each
        assertThat(ledger.archiveStatus().lagSeconds(), is(0.0));
        assertWholeHistory(ledger);
        ledger.close();

        Ledger restarted = open(archiveConfig(Duration.ofDays(1)), StorageFiles.DEFAULT);
        assertWholeHistory(restarted);
        assertEachFileOnceByteForByte(restarted.archivedSegments());
        // Sequences and chains go on after an archive that holds everything.
        PriceRecord next = restarted.reprice("product-0", price("999.00"));
        assertThat(next.sequence(), is((long) RECORDS + 1));
        assertThat(next.previousPrice(), is(lastPriceOf("product-0")));
    }

    /**
     * Records accepted while the results writer cannot create files wait in memory; their span is not complete, so
     * the loose files of that span stay in results/ however old, and are archived with those records once filed.
     */
    @Test
    void aSpanWithRecordsWaitingUnfiledIsNotArchivedUntilTheyAreFiled() throws IOException {
        NoSpaceForResults disk = new NoSpaceForResults();
        Ledger ledger = open(archiveConfig(Duration.ofSeconds(2)), disk);
        disk.full = true;
        int waiting = 0;
        try {
            for (; waiting < 3; waiting++) { // from 6.05 s: the span of the last loose file (6 s to 7 s)
                now.addAndGet(STEP_NANOS);
                acknowledged.add(ledger.reprice("product-" + waiting, price(waiting + ".75")));
            }
        } catch (StorageUnavailableException refused) {
            // The writer failed already: later reprices are refused, as on a full disk. One at least waits.
        }
        long total = RECORDS + waiting;
        await(SOON, () -> disk.refused.get() > 0, "the results writer to fail");
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        ledger.archiveNow();

        assertThat("the records waiting for results/", ledger.resultsSyncedThrough(), is((long) RECORDS));
        long archived = lastOf(ledger.archivedSegments());
        assertThat("the spans before the last one are archived", archived, greaterThan((long) RECORDS - 10));
        assertThat("the last span's loose files stay", looseFileNames().isEmpty(), is(false));
        assertThat(sequenceOf(looseFileNames().getLast()), is((long) RECORDS));
        assertThat(ledger.archiveStatus().lagSeconds(), greaterThan(20.0));
        assertThat(ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, RECORDS, 10))
                         .records(), equalTo(acknowledged.subList(RECORDS, (int) total)));

        disk.full = false;
        await(SOON, () -> ledger.resultsSyncedThrough() == total, "the waiting records filed");
        ledger.archiveNow();

        assertThat(lastOf(ledger.archivedSegments()), is(total));
        assertThat(ledger.archivedSegments().getLast().firstSequence(), is(archived + 1));
        assertThat(looseFileNames(), is(empty()));
        List<PriceRecord> queried = ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE,
                                                                    0, 1000)).records();
        assertThat(queried, equalTo(acknowledged));
    }

    /**
     * More loose files than half their share of the file system's inodes, a day before the local retention: the
     * oldest files are archived early, in segments of at most a quarter of the share (2 of the 10 files a tmpfs of
     * 1 000 inodes gives it), each within one span, until {@code results/} is within half its share (5 files), and
     * no further. Data directory on a tmpfs (root only).
     */
    @Test
    void overItsShareOfInodesResultsIsArchivedBeforeTheLocalRetention(@TempDir Path mountPoint) throws IOException {
        assumeTrue(Tmpfs.unavailable() == null, Tmpfs.unavailable());
        try (Tmpfs tmpfs = Tmpfs.mount(mountPoint, "size=64m,nr_inodes=1000")) {
            moveDataDirectoryTo(tmpfs.path().resolve("data"));
            // Spans of 1 s from 07.15 to 13.10: six of about 5 files (more if a slow fsync closed a window early),
            // then the span of the last 3 records.
            assertThat(looseFileNames().size(), greaterThan(30));
            Ledger ledger = open(archiveConfig(Duration.ofDays(1)).withInodeShare(0.01), StorageFiles.DEFAULT);
            try {
                ledger.archiveNow();

                List<SegmentName> segments = ledger.archivedSegments();
                int loose = looseFileNames().size();
                assertThat("within half the share", loose, lessThanOrEqualTo(5));
                assertThat("and no further", loose + filesIn(segments.getLast()).size(), greaterThan(5));
                for (SegmentName segment : segments) {
                    List<ResultsFileName> files = filesIn(segment);
                    assertThat("at most a quarter of the share", files.size(), lessThanOrEqualTo(2));
                    assertThat("within one span", spanOf(files.getFirst()), is(spanOf(files.getLast())));
                }
                assertThat("spans of 5 files in parts", segments.stream().map(s -> spanOf(filesIn(s).getFirst()))
                        .distinct().count(), lessThan((long) segments.size()));
                assertThat(ledger.archiveStatus().lagSeconds(), is(0.0)); // nothing is past the local retention
                assertWholeHistory(ledger);
                assertEachFileOnceByteForByte(segments);
            } finally {
                ledger.close();
            }
        }
    }

    /**
     * Under inode pressure a span still open is archived in parts, without waiting for its end: with a budget of
     * no loose file at all (segments of one file), every fsync'ed file goes at once, the open span's too; records
     * that join that span afterwards go into later files and a later segment of the same span, in order, with
     * their chains unbroken — and a restart reads it all back.
     */
    @Test
    void underInodePressureAnOpenSpanIsArchivedInParts(@TempDir Path mountPoint) throws IOException {
        assumeTrue(Tmpfs.unavailable() == null, Tmpfs.unavailable());
        try (Tmpfs tmpfs = Tmpfs.mount(mountPoint, "size=64m,nr_inodes=1000")) {
            moveDataDirectoryTo(tmpfs.path().resolve("data"));
            Ledger ledger = open(archiveConfig(Duration.ofDays(1)).withInodeShare(0.0005), StorageFiles.DEFAULT);
            try {
                ledger.archiveNow(); // the clock stays at 13.10, inside the last span (13.00 to 14.00)

                assertThat(lastOf(ledger.archivedSegments()), is((long) RECORDS));
                assertThat(looseFileNames(), is(empty()));
                assertThat(ledger.archivedSegments().size(), is(originals.size())); // one file a segment
                assertWholeHistory(ledger);
                assertEachFileOnceByteForByte(ledger.archivedSegments());

                PriceRecord late = ledger.reprice("product-0", price("999.00")); // 13.10 + 1 ns: the same span
                await(SOON, () -> ledger.resultsSyncedThrough() == RECORDS + 1, "the new record filed");
                ledger.archiveNow();

                SegmentName last = ledger.archivedSegments().getLast();
                assertThat(last.firstSequence(), is((long) RECORDS + 1));
                assertThat("the same span", Math.floorDiv(last.firstTimestampNanos(), 1_000_000_000L),
                           is(spanOf(ResultsFileName.parse(originals.keySet().stream().toList().getLast())
                                                        .orElseThrow())));
                assertThat(late.previousPrice(), is(lastPriceOf("product-0")));
                assertThat(ledger.history(new HistoryQuery(Optional.of("product-0"), Long.MIN_VALUE, Long.MAX_VALUE,
                                                           0, 1000)).records().getLast(), equalTo(late));
                assertThat(looseFileNames(), is(empty()));
                List<ResultsFileName> exported = ledger.resultsFilesAfter(Optional.empty());
                assertThat(exported.size(), is(originals.size() + 1));
                ResultsFileName lateFile = exported.getLast();
                byte[] lateBytes = ledger.resultsFileBytes(lateFile);
                assertThat(new String(lateBytes, java.nio.charset.StandardCharsets.UTF_8), containsString("999.00"));
                originals.put(lateFile.toString(), lateBytes); // a restart must export it as archived here
            } finally {
                ledger.close();
            }
            Ledger restarted = open(archiveConfig(Duration.ofDays(1)), StorageFiles.DEFAULT);
            assertThat(restarted.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE,
                                                          RECORDS, 10)).records().getFirst().sequence(),
                       is((long) RECORDS + 1));
            assertWholeHistory(restarted);
        }
    }

    /** The original results files a segment holds, in order. */
    private List<ResultsFileName> filesIn(SegmentName segment) {
        return originals.keySet().stream().map(name -> ResultsFileName.parse(name).orElseThrow())
                        .filter(file -> file.firstSequence() >= segment.firstSequence()
                                        && file.lastSequence() <= segment.lastSequence())
                        .toList();
    }

    /** The 1-second segment span a results file belongs to. */
    private static long spanOf(ResultsFileName file) {
        return Math.floorDiv(file.firstTimestampNanos(), 1_000_000_000L);
    }

    /** Copies the closed data directory the history was written to and works there from now on. */
    private void moveDataDirectoryTo(Path target) throws IOException {
        Path source = config.dataDirectory();
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path path : tree.toList()) {
                Path copy = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(path, copy);
                }
            }
        }
        config = StorageConfig.defaults(target).withWindow(config.window(), config.maxRecordsPerFile())
                              .withResultsSyncInterval(config.resultsSyncInterval());
    }

    /** The real file system, where creating a results file fails as on a full disk while {@link #full}. */
    private final class NoSpaceForResults extends StorageFiles {

        volatile boolean full;
        final AtomicInteger refused = new AtomicInteger();

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            Path normal = file.toAbsolutePath().normalize();
            if (full && normal.startsWith(config.temporaryDirectory().toAbsolutePath().normalize())
                && normal.getFileName().toString().endsWith(".json.tmp")) {
                refused.incrementAndGet();
                throw new IOException("No space left on device (injected)");
            }
            return super.open(file, options);
        }
    }

    /** Where a move is cut short. */
    enum Cut {
        /** Copying the segment's index into the store: nothing is stored. */
        STORE_INDEX,
        /** Copying the segment's data: the store holds an index without its data (its commit point not reached). */
        STORE_DATA,
        /** Renaming the data part into place: the same, with a complete temporary copy. */
        COMMIT_DATA,
        /** The segment is durable; none of its loose files deleted. */
        DELETE_FIRST_LOOSE,
        /** The segment is durable; some of its loose files deleted. */
        DELETE_FOURTH_LOOSE,
        /** All loose files deleted; results/ not yet fsync'ed. */
        FSYNC_RESULTS
    }

    @ParameterizedTest
    @EnumSource(Cut.class)
    void aMoveCutShortAtAnyStepLosesAndDuplicatesNothing(Cut cut) throws IOException {
        CuttingFiles cutting = new CuttingFiles(cut);
        Ledger interrupted = open(archiveConfig(Duration.ofSeconds(2)), cutting);
        await(SOON, () -> cutting.cuts.get() > 0, "the move cut at " + cut);
        interrupted.close(); // what the cut left stays on disk, as after a kill at that point
        // A staged segment a kill left behind in tmp/ too.
        Files.write(config.temporaryDirectory().resolve("archive-segment.tar.gz.tmp"), new byte[] {31, -117, 8});
        Files.deleteIfExists(config.indexDirectory().resolve(IndexSnapshotStore.FILE_NAME));

        Ledger restarted = open(archiveConfig(Duration.ofDays(1)), StorageFiles.DEFAULT);

        assertWholeHistory(restarted);
        assertEachFileOnceByteForByte(restarted.archivedSegments());
        restarted.close();
        // And moving goes on from there.
        try (Ledger resumed = open(archiveConfig(Duration.ofSeconds(2)), StorageFiles.DEFAULT)) {
            await(SOON, () -> resumed.archivedSegments().size() >= 3, "three segments archived after the cut");
            assertWholeHistory(resumed);
        }
        Ledger still = open(archiveConfig(Duration.ofDays(1)), StorageFiles.DEFAULT);
        assertWholeHistory(still);
        assertEachFileOnceByteForByte(still.archivedSegments());
    }

    /** Queries page through exactly the acknowledged records; the export gives every original file, byte for byte. */
    private void assertWholeHistory(Ledger ledger) throws IOException {
        List<PriceRecord> queried = new ArrayList<>();
        for (int page = 1; ; page++) {
            HistoryPage found = ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE,
                                                                (page - 1) * 7L, 7));
            queried.addAll(found.records());
            if (!found.hasNext()) {
                break;
            }
        }
        assertThat(queried.subList(0, RECORDS), equalTo(acknowledged));
        for (int product = 0; product < PRODUCTS; product++) {
            String id = "product-" + product;
            HistoryPage found = ledger.history(new HistoryQuery(Optional.of(id), Long.MIN_VALUE, Long.MAX_VALUE, 0, 1000));
            assertThat(found.records().stream().filter(r -> r.sequence() <= RECORDS).toList(),
                       equalTo(acknowledged.stream().filter(r -> r.productId().equals(id)).toList()));
        }
        Map<String, byte[]> exported = new LinkedHashMap<>();
        for (ResultsFileName name : ledger.resultsFilesAfter(Optional.empty())) {
            exported.put(name.toString(), ledger.resultsFileBytes(name));
        }
        assertThat(exported.keySet(), equalTo(originals.keySet()));
        originals.forEach((name, bytes) -> assertThat(name, exported.get(name), equalTo(bytes)));
    }

    /** The segments' files and the loose ones together are the originals, each exactly once. */
    private void assertEachFileOnceByteForByte(List<SegmentName> segments) throws IOException {
        List<String> found = new ArrayList<>();
        try (LocalArchiveStore store = LocalArchiveStore.open(config.dataDirectory().resolve("archive"),
                                                              StorageFiles.DEFAULT)) {
            assertThat(store.list(), equalTo(segments));
            for (SegmentName segment : segments) {
                try (ArchiveSegmentReader reader = store.open(segment, new DecodedFileCache(16))) {
                    reader.verify();
                    for (int file = 0; file < reader.index().fileCount(); file++) {
                        String name = reader.fileName(file).toString();
                        assertThat(name, reader.fileBytes(file), equalTo(originals.get(name)));
                        found.add(name);
                    }
                }
            }
        }
        for (String name : looseFileNames()) {
            assertThat(name, Files.readAllBytes(config.resultsDirectory().resolve(name)), equalTo(originals.get(name)));
            found.add(name);
        }
        assertThat(found, equalTo(List.copyOf(originals.keySet())));
        try (Stream<Path> staged = Files.list(config.temporaryDirectory())) {
            assertThat(staged.toList(), is(empty()));
        }
    }

    private long segmentBytes(List<SegmentName> segments) throws IOException {
        long bytes = 0;
        for (SegmentName segment : segments) {
            Path archive = config.dataDirectory().resolve("archive");
            bytes += Files.size(archive.resolve(segment.dataName())) + Files.size(archive.resolve(segment.indexName()));
        }
        return bytes;
    }

    private List<String> looseFileNames() {
        try (Stream<Path> files = Files.list(config.resultsDirectory())) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long sequenceOf(String fileName) {
        return ResultsFileName.parse(fileName).orElseThrow().lastSequence();
    }

    private static long lastOf(List<SegmentName> segments) {
        return segments.getLast().lastSequence();
    }

    private java.math.BigDecimal lastPriceOf(String productId) {
        return acknowledged.reversed().stream().filter(r -> r.productId().equals(productId)).findFirst()
                           .orElseThrow().newPrice();
    }

    /** The real file system, with the operation of one {@link Cut} failing from its first occurrence on. */
    private final class CuttingFiles extends StorageFiles {

        private final Cut cut;
        private final AtomicInteger looseDeletes = new AtomicInteger();
        final AtomicInteger cuts = new AtomicInteger();

        CuttingFiles(Cut cut) {
            this.cut = cut;
        }

        private Path archive() {
            return config.dataDirectory().resolve("archive").toAbsolutePath().normalize();
        }

        private IOException cutHere(Object where) {
            cuts.incrementAndGet();
            return new IOException("Input/output error (injected: move cut at " + cut + ", " + where + ")");
        }

        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            Path normal = file.toAbsolutePath().normalize();
            String name = normal.getFileName().toString();
            boolean inArchive = normal.startsWith(archive()) && name.endsWith(".tmp");
            if (cut == Cut.STORE_INDEX && inArchive && name.endsWith(".idx.tmp")
                || cut == Cut.STORE_DATA && inArchive && name.endsWith(".tar.gz.tmp")
                || cut == Cut.FSYNC_RESULTS && normal.equals(config.resultsDirectory().toAbsolutePath().normalize())
                   && looseDeletes.get() > 0) {
                throw cutHere(file);
            }
            return super.open(file, options);
        }

        @Override
        public void move(Path source, Path target, CopyOption... options) throws IOException {
            if (cut == Cut.COMMIT_DATA && target.toString().endsWith(SegmentName.DATA_SUFFIX)) {
                throw cutHere(target);
            }
            super.move(source, target, options);
        }

        @Override
        public boolean delete(Path file) throws IOException {
            int before = looseDeletes.get();
            if (cut == Cut.DELETE_FIRST_LOOSE || cut == Cut.DELETE_FOURTH_LOOSE && before >= 3) {
                throw cutHere(file);
            }
            looseDeletes.incrementAndGet();
            return super.delete(file);
        }
    }
}
