package com.repricer.storage.archive;

import com.repricer.storage.Timestamps;
import com.repricer.storage.fs.Directories;
import com.repricer.storage.fs.FileSystemInodes;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.results.FileTable;
import com.repricer.storage.results.ResultsDirectory;
import com.repricer.storage.results.ResultsFileName;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Moves sealed results windows from {@code results/} into archive segments, on its own thread.
 *
 * <p>Which files: those older than the wall clock minus the local retention, one segment per
 * {@link ArchiveConfig#segment()} span (aligned to the epoch; a file belongs to the span of its first record). A span
 * is sealed once its end is at or before that cut-off, its files are fsync'ed, and no record can still join it:
 * either a later file exists, or every record accepted so far is in an fsync'ed results file (records waiting in
 * memory for the results writer, on a full disk, keep their span open). Then a segment is written once, with all
 * its files (under inode pressure, in parts: see below).
 *
 * <p>Why the wall clock and not the newest record: when writes stop (a full disk, no inodes left: the results
 * writer cannot create files, reprices are refused) the newest record stops advancing and no later file appears; an
 * age measured from it would archive nothing more and free no inode, and the service would stay stuck. Why no record
 * can join a span sealed by the second rule: the group commit stamps a record with
 * {@code max(wall clock, previous + 1 ns)}, so a record stamped after this check carries at least the clock read
 * here, which is past the span's end by the local retention; and a record stamped before it is already counted as
 * accepted. Two cases remain, both harmless and documented in docs/archive.md: a group whose log fsync takes longer
 * than the local retention, or a wall clock that steps back by more than the local retention after this check.
 * Then a late record lands in a span already archived; it is filed after it (sequences and timestamps still
 * increase) and archived as a second segment of that span: nothing is lost or out of order. A clock that has
 * already stepped back needs no guard: the cut-off is then before the newest record, so no span reaching past the
 * newest record is sealed by the second rule. Server timestamps never run ahead of the clock otherwise, so one record
 * from a clock far ahead (the old reason to cap by the newest record) cannot occur.
 *
 * <p>Bounded by inodes as well as by time (like Kafka's {@code local.retention.bytes} beside
 * {@code local.retention.ms}, whichever is hit first): {@code results/} may hold at most
 * {@link ArchiveConfig#inodeShare()} of its file system's inodes (the budget). While it holds more than half of
 * that, the oldest files are archived before their local retention, in segments of at most a quarter of the budget
 * ({@link #pressureSegmentFiles}), each within one span: a span's files are sealed as soon as they fill such a
 * segment, or once a later file exists — whether the span is over or not. A span still open is cut between two
 * files; its later records go into later files and a later segment of the same span (sequence and time order are
 * those of the files, so nothing is out of order), as in the late-record case above. Why: at a farm's full rate one
 * span can hold more files than the budget (an hour at 12 000 reprices/s is 4.3 M files, twice the inodes of the
 * shipped disk); waiting for its end would run out of inodes. Why a quarter: few enough files that a move at
 * normal priority takes a fraction of a second (the budget is overshot by little), many enough records that the
 * segments' own inodes stay negligible (two per segment). Files, not bytes: results files are small, and it is
 * their inodes that run out. While the files are over half the budget the mover also looks every
 * {@value #NEAR_BUDGET_TURN_MILLIS} ms instead of every second, so that the budget is overshot by at most that
 * long's files.
 *
 * <p>How, for each sealed span, in the order that loses and duplicates nothing at any crash:
 * <ol>
 *   <li>pack its loose files into a segment and its index, staged in {@code tmp/} (a crash leaves staged files,
 *       which the next start deletes: the loose files are untouched);</li>
 *   <li>{@link ArchiveStore#store} makes both parts durable (a crash before its commit point leaves a partial
 *       segment the store never lists, and the loose files);</li>
 *   <li>the segment is added to the {@link Archive}: from now on reads go to it;</li>
 *   <li>the loose files are deleted and {@code results/} fsync'ed (a crash in between leaves loose copies of
 *       archived files; {@link #removeLooseCopies} deletes them at the next start, from
 *       recovery's listing of {@code results/}, before recovery reads it).</li>
 * </ol>
 * A failure (the blob store down, a disk error) leaves the files loose, counts a failure and is retried on the next
 * turn; writes go on while local space lasts.
 *
 * <p>A move's packing and deleting (step 1 and 4, nearly all of its CPU) run in the background
 * ({@link BackgroundPriority}: a thread in the kernel's idle scheduling class), so that they take only the CPU the
 * requests leave: a farm writing near the service's ceiling loses almost nothing to archiving, which falls behind
 * instead (the lag metric and the loose files show by how much) and catches up when the load drops. Falling behind
 * is bounded by the inode budget: while the loose files are over it, the mover packs and deletes at normal
 * priority, on its own thread — and a background move that is still running when they pass it is given up
 * (interrupted, see {@link BackgroundPriority#run}) and done there, since under a full load an idle-class thread
 * gets almost no CPU. Steps 2 and 3 (the store's fsyncs, the in-memory index's trim) always run on the
 * mover's own thread: a lock held by a thread that waits for idle CPU could stall the requests.
 */
public final class ArchiveMover implements Runnable {

    private static final Logger LOG = Logger.getLogger(ArchiveMover.class.getName());
    private static final long TURN_MILLIS = 1000;
    private static final long NEAR_BUDGET_TURN_MILLIS = 100;
    private static final String PACKER_THREAD = "repricer-packer";
    /** Staged segments are called {@code archive-segment-<attempt>.tar.gz.tmp} and {@code …idx.tmp}. */
    private static final String STAGED_PREFIX = "archive-segment-";

    /** What the mover reports. */
    public interface Metrics {
        Metrics NONE = new Metrics() {
        };

        /** A segment of {@code files} results files and {@code bytes} bytes (both parts) is durable in the store. */
        default void archiveSegmentStored(int files, long bytes) {
        }

        /** A move failed; the files stay loose and are tried again. */
        default void archiveFailed() {
        }
    }

    private final ArchiveConfig config;
    private final Archive archive;
    private final FileTable files;
    private final HistoryIndex index;
    private final ResultsDirectory directory;
    private final Path staging;
    private final LongSupplier syncedThrough;
    private final Clock clock;
    private final StorageFiles storageFiles;
    private final FileSystemInodes inodes;
    private final Metrics metrics;
    private final ArchiveSegmentWriter writer = new ArchiveSegmentWriter();
    private final CountDownLatch stop = new CountDownLatch(1);
    /** Loose files of stored segments whose deletion failed: deleted again on the next turn. */
    private final List<Path> looseCopies = new ArrayList<>();
    /** Numbers each packing's staged files, so that one given up in the background never shares them. */
    private long packings;
    private volatile IOException failure;
    /** The loose files were over half their inode budget at the end of the last turn: look again sooner. */
    private volatile boolean nearBudget;
    /** Sealing before the local retention is logged at INFO once, then at FINE (it may happen every few seconds). */
    private boolean earlySealLogged;

    /**
     * @param staging       where segments are packed before the store copies them (cleared at each start)
     * @param syncedThrough every record up to here is in an fsync'ed results file
     * @param inodes        the inodes of the file system holding {@code results/}
     */
    public ArchiveMover(ArchiveConfig config, Archive archive, FileTable files, HistoryIndex index,
                        ResultsDirectory directory, Path staging, LongSupplier syncedThrough, Clock clock,
                        StorageFiles storageFiles, FileSystemInodes inodes, Metrics metrics) {
        this.config = config;
        this.archive = archive;
        this.files = files;
        this.index = index;
        this.directory = directory;
        this.staging = staging;
        this.syncedThrough = syncedThrough;
        this.clock = clock;
        this.storageFiles = storageFiles;
        this.inodes = inodes;
        this.metrics = metrics;
    }

    /**
     * At start, with recovery's listing of {@code results/}: deletes the loose files that the archive already holds
     * (a crash between a segment's store and the deletion of its files). It takes the listing rather than listing
     * again: a million loose files take one to two seconds to list, which a crash restart should spend once.
     *
     * @param listing every loose results file, in sequence order
     * @return {@code listing} without the files deleted
     * @throws IllegalStateException if a loose file straddles the archive's end (segments hold whole files)
     */
    public static List<ResultsFileName> removeLooseCopies(Archive archive, ResultsDirectory directory,
                                                          List<ResultsFileName> listing, StorageFiles storageFiles)
            throws IOException {
        long archived = archive.lastSequence();
        int removed = 0;
        for (ResultsFileName file : listing) {
            if (file.firstSequence() > archived) {
                break;
            }
            if (file.lastSequence() > archived) {
                throw new IllegalStateException("Results file " + directory.pathOf(file) + " is partly archived"
                                                + " (the archive ends at sequence " + archived + ")");
            }
            storageFiles.delete(directory.pathOf(file));
            removed++;
        }
        if (removed > 0) {
            Directories.fsync(storageFiles, directory.path());
            LOG.info("Removed " + removed + " results files that an interrupted move had already archived");
        }
        return listing.subList(removed, listing.size());
    }

    /** The last move's failure, or {@code null} if the last turn went well. */
    public IOException failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            do {
                moveSealed();
            } while (!stop.await(nearBudget ? NEAR_BUDGET_TURN_MILLIS : TURN_MILLIS, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends {@link #run} after the segment being moved, if any. */
    public void stop() {
        stop.countDown();
    }

    /**
     * Moves every sealed span into a segment, stopping at the first failure.
     *
     * @return the number of segments stored
     */
    public synchronized int moveSealed() {
        int stored = 0;
        try {
            deleteLooseCopies(() -> true); // a failed turn's leftovers: here, at once
            long budget = looseFileBudget();
            List<ResultsFileName> sealed;
            while (stop.getCount() > 0 && !(sealed = nextSealedSpan(budget)).isEmpty()) {
                move(sealed, budget);
                stored++;
            }
            nearBudget = looseFiles() > budget / 2;
            if (failure != null) {
                LOG.info("Archiving works again");
                failure = null;
            }
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                LOG.log(Level.WARNING, "Archiving failed; the results files stay in results/ and are tried again", e);
            }
            failure = e instanceof IOException io ? io : new IOException(e);
            metrics.archiveFailed();
        }
        return stored;
    }

    /**
     * What the metrics show.
     *
     * @param segments   segments in the archive
     * @param bytes      their size, both parts
     * @param lagSeconds how far the oldest loose window is past the local retention, by the wall clock (0 if it is
     *                   not); it grows past the segment span only while moving fails or falls behind, or while
     *                   records wait unfiled in memory (the results writer failing: their span stays open)
     * @param looseFiles results files in {@code results/}
     */
    public record Status(int segments, long bytes, double lagSeconds, int looseFiles) {
    }

    /** The archive's state now; any thread. */
    public Status status() {
        long count = files.count();
        long firstLoose = firstLoose(count);
        double lag = 0;
        if (firstLoose < count) {
            long past = nowNanos() - config.localRetention().toNanos() - files.file(firstLoose).firstTimestampNanos();
            lag = Math.max(0, past) / 1e9;
        }
        return new Status(archive.segments().size(), archive.bytes(), lag, Math.toIntExact(count - firstLoose));
    }

    /**
     * How many files {@code results/} may hold before spans are sealed early: the inode share of its file system's
     * inodes; no bound where they cannot be read or the file system has no fixed number.
     */
    private long looseFileBudget() {
        return inodes.read().filter(counts -> counts.total() > 0)
                     .map(counts -> (long) Math.floor(config.inodeShare() * counts.total()))
                     .orElse(Long.MAX_VALUE);
    }

    private long looseFiles() {
        long count = files.count();
        return count - firstLoose(count);
    }

    /** The position in the file table of the first file not archived, or {@code count} if there is none. */
    private long firstLoose(long count) {
        return count == 0 ? 0 : files.firstAfter(archive.lastSequence(), count);
    }

    /**
     * The loose files of the oldest span that is sealed, or none; under inode pressure, the oldest files of the
     * oldest span that fill a segment, or all of them once the span is complete.
     *
     * @param budget past half this many loose files, spans are archived before their local retention, in parts of
     *               at most {@link #pressureSegmentFiles} files
     */
    private List<ResultsFileName> nextSealedSpan(long budget) {
        long records = index.size();
        if (records == 0) {
            return List.of();
        }
        // Read after the record count: if it has reached it, every record counted is in an fsync'ed file.
        long synced = syncedThrough.getAsLong();
        long cutoff = nowNanos() - config.localRetention().toNanos();
        long spanNanos = config.segment().toNanos();
        long count = files.count();
        long first = firstLoose(count);
        if (first >= count) {
            return List.of();
        }
        boolean early = count - first > budget / 2;
        long spanEnd = Math.floorDiv(files.file(first).firstTimestampNanos(), spanNanos) * spanNanos + spanNanos;
        if (spanEnd > cutoff && !early) {
            return List.of();
        }
        long segmentFiles = early ? pressureSegmentFiles(budget) : Long.MAX_VALUE;
        List<ResultsFileName> span = new ArrayList<>();
        for (long i = first; i < count; i++) {
            ResultsFileName file = files.file(i);
            if (file.firstTimestampNanos() >= spanEnd) {
                return sealing(span, spanEnd > cutoff, count - first, budget); // a later file: complete
            }
            if (file.lastSequence() > synced) {
                return List.of(); // not yet fsync'ed: the log still backs it, so it must stay where recovery looks
            }
            span.add(file);
            if (span.size() == segmentFiles) { // a part of the span: its later records go into later files
                return sealing(span, spanEnd > cutoff, count - first, budget);
            }
        }
        // Nothing after the span: complete only if no accepted record waits unfiled (it may belong to the span);
        // any record accepted from now on is stamped at or after the clock, past the span's end.
        if (synced < records || spanEnd > cutoff) {
            return List.of();
        }
        return sealing(span, false, count - first, budget);
    }

    /** Under inode pressure, how many results files a segment holds at most (see the class comment). */
    static long pressureSegmentFiles(long budget) {
        return Math.max(1, budget / 4);
    }

    private List<ResultsFileName> sealing(List<ResultsFileName> span, boolean early, long loose, long budget) {
        if (early) {
            Level level = earlySealLogged ? Level.FINE : Level.INFO;
            earlySealLogged = true;
            LOG.log(level, () -> "results/ holds " + loose + " files, more than half its share of the file system's"
                                 + " inodes (" + budget + "): archiving the oldest " + span.size() + " files"
                                 + " before their local retention of " + config.localRetention()
                                 + ", in segments of at most " + pressureSegmentFiles(budget) + " files");
        }
        return span;
    }

    private long nowNanos() {
        return Timestamps.epochNanos(clock.instant());
    }

    /** @param budget past this many loose files, the move runs at normal priority, not in the background */
    private void move(List<ResultsFileName> span, long budget) throws IOException {
        Files.createDirectories(staging);
        deleteStagedLeftovers();
        List<Path> loose = span.stream().map(directory::pathOf).toList();
        BooleanSupplier overBudget = () -> looseFiles() > budget;
        Packed packed = null;
        try {
            packed = inBackground(() -> pack(loose), overBudget);
            SegmentName name = packed.written().name();
            if (name.firstSequence() != span.getFirst().firstSequence()
                || name.lastSequence() != span.getLast().lastSequence()) {
                throw new IllegalStateException("packed " + name + " from " + span.getFirst() + " to " + span.getLast());
            }
            archive.store().store(name, packed.data(), packed.index());
            long bytes = packed.written().dataBytes() + packed.written().indexBytes();
            archive.added(name, bytes);
            // From now on the segment's .idx answers for its records: the in-memory index lets go of them
            // (timestamps and file entries now, products' positions on the writer's next turn).
            index.trimBefore(name.lastSequence() + 1);
            files.trimBefore(name.lastSequence() + 1);
            metrics.archiveSegmentStored(packed.written().fileCount(), bytes);
            LOG.fine(() -> "Archived " + span.size() + " results files as " + name + " in " + archive.store().describe());
        } finally {
            if (packed != null) {
                Files.deleteIfExists(packed.data());
                Files.deleteIfExists(packed.index());
            }
        }
        looseCopies.addAll(loose);
        deleteLooseCopies(overBudget);
    }

    /** A segment packed into staged files. */
    private record Packed(ArchiveSegmentWriter.Written written, Path data, Path index) {
    }

    /**
     * The task that packs {@code loose} into staged files of its own (mover thread: it numbers them). What a failed
     * or given-up packing leaves there, the next move sweeps ({@link #deleteStagedLeftovers}).
     */
    private BackgroundPriority.Task<Packed> pack(List<Path> loose) {
        long packing = ++packings;
        Path data = staging.resolve(STAGED_PREFIX + packing + SegmentName.DATA_SUFFIX + ".tmp");
        Path index = staging.resolve(STAGED_PREFIX + packing + SegmentName.INDEX_SUFFIX + ".tmp");
        return () -> new Packed(writer.write(loose, data, index), data, index);
    }

    /**
     * Staged files that earlier moves no longer need: those of a packing that failed, or that was given up in the
     * background and ended (or was swept) after its move. A packing still running may recreate its files after
     * this; the next move sweeps them, and each start clears {@code tmp/}.
     */
    private void deleteStagedLeftovers() throws IOException {
        try (var staged = Files.newDirectoryStream(staging, STAGED_PREFIX + "*.tmp")) {
            for (Path leftover : staged) {
                Files.deleteIfExists(leftover);
            }
        }
    }

    /**
     * Runs a task made by {@code attempt} in the background ({@link BackgroundPriority}) unless the loose files are
     * over their budget, or come to be before it is done: then a second task runs here, at normal priority, without
     * waiting for the first to notice it was given up (starved of CPU, it may take seconds). So the two may overlap:
     * each packing stages its own files, and deleting files twice deletes each once.
     */
    private <T> T inBackground(Supplier<BackgroundPriority.Task<T>> attempt, BooleanSupplier overBudget)
            throws IOException {
        if (!overBudget.getAsBoolean()) {
            Optional<T> done = BackgroundPriority.run(PACKER_THREAD, attempt.get(), overBudget);
            if (done.isPresent()) {
                return done.get();
            }
        }
        return attempt.get().run();
    }

    /** Deletes archived loose files (those already gone are fine); stops when interrupted. */
    private Boolean deleteEach(List<Path> archived) throws IOException {
        for (Path file : archived) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("deleting archived results files interrupted");
            }
            storageFiles.delete(file);
        }
        return true;
    }

    /**
     * Deletes the loose files of stored segments, then fsyncs {@code results/}: in the background unless
     * {@code overBudget} (see {@link #inBackground}). What a failure leaves is deleted again on the next turn.
     */
    private void deleteLooseCopies(BooleanSupplier overBudget) throws IOException {
        if (looseCopies.isEmpty()) {
            return;
        }
        List<Path> stored = List.copyOf(looseCopies);
        inBackground(() -> () -> deleteEach(stored), overBudget);
        Directories.fsync(storageFiles, directory.path());
        looseCopies.clear();
    }
}
