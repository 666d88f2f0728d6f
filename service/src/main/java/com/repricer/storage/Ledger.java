package com.repricer.storage;

import com.repricer.rules.IdempotencyKeyRule;
import com.repricer.rules.PriceRule;
import com.repricer.rules.ProductIdRule;
import com.repricer.storage.archive.Archive;
import com.repricer.storage.archive.ArchiveConfig;
import com.repricer.storage.archive.ArchiveMover;
import com.repricer.storage.archive.HistoryFiles;
import com.repricer.storage.archive.HistoryRetention;
import com.repricer.storage.archive.HistoryStart;
import com.repricer.storage.fs.DataDirectoryLock;
import com.repricer.storage.fs.FileSystemInodes;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.idempotency.IdempotencyKeys;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.HistoryTrimmedException;
import com.repricer.storage.index.ProductState;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.log.WriteAheadLog;
import com.repricer.storage.results.BackgroundListing;
import com.repricer.storage.results.FileGrouping;
import com.repricer.storage.results.FileTable;
import com.repricer.storage.results.RecordStore;
import com.repricer.storage.results.Recovery;
import com.repricer.storage.results.ResultsDirectory;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.storage.snapshot.IndexSnapshotStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The storage core: every product's last price, the durable history and its index. The one class the service
 * talks to; the package comment walks a reprice and a query through the components behind it.
 *
 * <p>Lifecycle: {@link #open} takes the data directory's lock; {@link #recover} repairs and replays the data
 * and starts the {@link WritePipeline} (until then every request is refused as {@code RECOVERING}); {@link #close}
 * drains the pipeline, writes the open window and releases the lock.
 *
 * <p>An index snapshot ({@link com.repricer.storage.snapshot.IndexSnapshot}) spares a start parsing the results
 * files it covers: recovery restores it if it matches {@code results/}, and the pipeline's snapshotter keeps it
 * fresh.
 */
public final class Ledger implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Ledger.class.getName());

    /** Part of the shutdown budget (SPEC §4: 10 s) the archive mover gets to finish its segment. */
    private static final long MOVER_STOP_MILLIS = 1_000;

    private enum Phase { RECOVERING, SERVING, CLOSING, CLOSED }

    private final StorageConfig config;
    private final ArchiveConfig archiveConfig;
    private final Clock clock;
    private final StorageMetrics metrics;
    private final DataDirectoryLock lock;
    private final StorageFiles storageFiles;
    private final Stripes stripes;
    private final LedgerState state;
    private final IndexSnapshotStore snapshots;
    /** The archived part of the history (storage.archive); {@code results/} holds the files after it. */
    private final Archive archive;
    /** History pages over the archive and the in-memory index. */
    private final HistoryReader reader;
    private volatile Phase phase = Phase.RECOVERING;
    /** What {@link #recover} started; {@code null} before. */
    private volatile WritePipeline pipeline;
    /** Moves old windows into the archive, on {@link #moverThread}; {@code null} before {@link #recover}. */
    private volatile ArchiveMover mover;
    private Thread moverThread;
    /** Deletes segments past {@code repricer.history.retention}; {@code null} if history is kept forever. */
    private volatile HistoryRetention retention;
    private Thread retentionThread;

    private Ledger(StorageConfig config, ArchiveConfig archiveConfig, Clock clock, StorageMetrics metrics,
                   DataDirectoryLock lock, StorageFiles storageFiles) throws IOException {
        this.config = config;
        this.archiveConfig = archiveConfig;
        this.clock = clock;
        this.metrics = metrics;
        this.lock = lock;
        this.storageFiles = storageFiles;
        this.stripes = new Stripes(config.stripes());
        HistoryIndex index = new HistoryIndex();
        FileTable files = new FileTable(index);
        ResultsDirectory directory = new ResultsDirectory(config.resultsDirectory(), config.temporaryDirectory(),
                                                          storageFiles);
        this.archive = Archive.open(archiveConfig, storageFiles);
        HistoryFiles history = new HistoryFiles(directory, archive);
        this.state = new LedgerState(new ProductTable(), index, files, new RecordStore(files, history), directory,
                                     history);
        this.snapshots = new IndexSnapshotStore(config.indexDirectory(), storageFiles);
        this.reader = new HistoryReader(index, state.store(), archive);
    }

    /**
     * Takes the data directory. Fast, so a second instance fails at once; call {@link #recover} next.
     *
     * @throws DataDirectoryInUseException if another instance holds the directory
     */
    public static Ledger open(StorageConfig config, Clock clock, StorageMetrics metrics) throws IOException {
        return open(config, clock, metrics, StorageFiles.DEFAULT);
    }

    /**
     * Like {@link #open(StorageConfig, Clock, StorageMetrics)}, with the storage's file operations going through
     * {@code files} (tests use it to inject I/O errors).
     */
    public static Ledger open(StorageConfig config, Clock clock, StorageMetrics metrics, StorageFiles files)
            throws IOException {
        return open(config, ArchiveConfig.defaults(config.dataDirectory()), clock, metrics, files);
    }

    /** Like {@link #open(StorageConfig, Clock, StorageMetrics, StorageFiles)}, with these archive settings. */
    public static Ledger open(StorageConfig config, ArchiveConfig archive, Clock clock, StorageMetrics metrics,
                              StorageFiles files) throws IOException {
        DataDirectoryLock lock = DataDirectoryLock.acquire(config.dataDirectory());
        try {
            return new Ledger(config, archive, clock, metrics, lock, files);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Checks {@code results/} against the log, replays the history into memory and starts serving. Returns once
     * the results files recovery left to write (after a crash) are written, or writing them has failed: on a full
     * disk the ledger serves reads (those records from memory) and stays not ready while the results writer
     * retries.
     */
    public void recover() throws IOException {
        long started = System.nanoTime();
        WriteAheadLog.Opened opened = WriteAheadLog.open(config.logDirectory(), storageFiles);
        try {
            // The log keeps the newest keys until it is trimmed, which saves them first: no write needed here.
            IdempotencyKeys idempotencyKeys = IdempotencyKeys.load(
                    config.idempotencyDirectory(), config.idempotencyKeys(), config.idempotencyMaxAge(),
                    opened.keyed(), storageFiles);
            HistoryStart start = HistoryStart.read(config.dataDirectory());
            archive.load(start.firstSequence());
            // The in-memory index holds only what is not archived: it starts after the archive's last record.
            long indexStart = archive.lastSequence() + 1;
            BackgroundListing listing = BackgroundListing.start(state.directory());
            Recovery.Replay replay = recoveryReplay();
            Recovery recovery = new Recovery(state.directory(),
                                             new FileGrouping(config.window(), config.maxRecordsPerFile()),
                                             replay);
            long restoreStarted = System.nanoTime();
            IndexSnapshotStore.Chain restored = startAt(snapshots.restore(state.index(), state.files(),
                                                                          state.products()),
                                                        start.firstSequence(), indexStart);
            List<ResultsFileName> loose = ArchiveMover.removeLooseCopies(archive, state.directory(), listing.await(),
                                                                         storageFiles);
            IndexSnapshotStore.Chain snapshot = checkSnapshot(restored, loose, listing.tookMillis(), restoreStarted,
                                                              recovery, indexStart);
            recovery.startAt(start.firstSequence());
            if (snapshot.lastSequence() > 0) {
                recovery.resumeAfter(snapshot.lastSequence(), snapshot.lastTimestampNanos());
            }
            carryOver(start);
            // The archive's records after the snapshot (all of them without one) only set their products' last
            // prices, unindexed (the segments' .idx answer for them); then the loose files after both.
            archive.replayAfter(Math.max(snapshot.lastSequence(), start.firstSequence() - 1), this::carryArchived)
                   .ifPresent(last -> recovery.resumeAfter(last.sequence(), last.timestampNanos()));
            long readThrough = Math.max(snapshot.lastSequence(), archive.lastSequence());
            List<ResultsFileName> unread = loose.stream().filter(file -> file.firstSequence() > readThrough).toList();
            Recovery.Outcome outcome = recovery.run(opened.log(), opened.records(), unread);
            FileSystemInodes inodes = FileSystemInodes.of(config.dataDirectory());
            WritePipeline recovered = new WritePipeline(config, clock, metrics, storageFiles, state, stripes,
                                                      opened.log(), idempotencyKeys, outcome, snapshots, snapshot,
                                                      inodes);
            recovered.start();
            pipeline = recovered;
            mover = new ArchiveMover(archiveConfig, archive, state.files(), state.index(), state.directory(),
                                     config.temporaryDirectory(), recovered::syncedThrough, clock, storageFiles,
                                     inodes, metrics);
            moverThread = Thread.ofPlatform().name("repricer-archiver").start(mover);
            if (archiveConfig.historyRetention().isPresent()) {
                retention = new HistoryRetention(archiveConfig.historyRetention().get(), archive, state.index(),
                                                 state.files(), state.products(), config.dataDirectory(), clock,
                                                 storageFiles, metrics);
                retentionThread = Thread.ofPlatform().name("repricer-retention").start(retention);
            }
            phase = Phase.SERVING;
            recovered.awaitRecoveredWork();
        } catch (IOException | RuntimeException e) {
            opened.log().close();
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        long records = state.index().size();
        metrics.recovered(took, records);
        String unready = pipeline.unreadyReason();
        LOG.info(String.format("Recovered %d records of %d products in %d ms from %s%s", records,
                               state.products().size(), took.toMillis(), config.dataDirectory().toAbsolutePath(),
                               unready == null ? "" : "; serving, but not ready: " + unready));
    }

    /** Recovered records into the index: those of files in {@code results/}, and those still to be written. */
    private Recovery.Replay recoveryReplay() {
        return new Recovery.Replay() {
            @Override
            public void filed(List<PriceRecord> records) {
                index(records);
                state.files().add(records.getFirst().sequence(), records.size());
            }

            @Override
            public void pending(List<PriceRecord> records) {
                index(records);
                records.forEach(state.store()::addUnfiled); // read from memory until the writer files them
            }
        };
    }

    /**
     * The products whose records history retention deleted, with their last record, unless the index snapshot
     * restored them (before the replay: their records come first).
     */
    private void carryOver(HistoryStart start) {
        for (PriceRecord last : start.carried()) {
            ProductState product = state.products().getOrAdd(last.productId());
            if (product.size() == 0) {
                product.restore(last.newPrice(), last.previousPrice(), 1, last::sequence,
                                sequence -> last.timestampNanos());
            }
        }
    }

    /** Archived records recovery reads (after the snapshot, or all without one): their products' last prices. */
    private void carryArchived(List<PriceRecord> records) {
        for (PriceRecord record : records) {
            state.products().getOrAdd(record.productId()).carry(record);
        }
    }

    private void index(List<PriceRecord> records) {
        for (PriceRecord record : records) {
            state.products().getOrAdd(record.productId()).publish(record, state.index());
        }
    }

    /**
     * Keeps the restored index snapshot if it matches {@code results/}, so that recovery reads only the files after
     * it; otherwise drops it from memory, and recovery reads every file.
     *
     * @param restored       what the snapshot restored (its base and deltas, piece by piece into the index), cut
     *                       to the history's start
     * @param listing        every loose results file, in sequence order
     * @param listedMillis   how long listing them took (beside the restore)
     * @param restoreStarted when the restore began ({@link System#nanoTime()})
     * @param recovery       told how far the history reached if the snapshot shows that files are gone
     * @param indexStart     the first sequence after the archive: the index starts there
     * @return what the snapshot restored, or {@code Chain.NONE} if recovery has to read every results file
     */
    private IndexSnapshotStore.Chain checkSnapshot(IndexSnapshotStore.Chain restored, List<ResultsFileName> listing,
                                                   long listedMillis, long restoreStarted, Recovery recovery,
                                                   long indexStart) {
        IndexSnapshotStore.Chain chain = restored;
        Optional<List<ResultsFileName>> history = archive.listingFor(state.files(), listing);
        String mismatch = history.isEmpty() ? "the archive differs (above)"
                          : IndexSnapshotStore.mismatch(state.files(), history.get());
        if (mismatch != null) {
            if (history.isPresent()) {
                noteMissingFiles(chain, IndexSnapshotStore.filesMissingAfter(state.files(), history.get()), recovery);
            }
            chain = snapshots.ignored(state.index(), state.files(), state.products(),
                                      "it does not match results/: " + mismatch);
        }
        if (chain.lastSequence() > 0) {
            chain = cutToIndexStart(chain, indexStart);
        }
        if (chain.lastSequence() == 0) {
            state.index().startAt(indexStart);
            state.files().startAt(indexStart);
            LOG.info(String.format("Listed %d results files in %d ms; reading all of them", listing.size(),
                                   listedMillis));
            return chain;
        }
        LOG.info(String.format("Listed %d results files in %d ms, beside the restore; index snapshot of %d records,"
                               + " %d files, %d products (a base of %.1f MiB and %d deltas of %.1f MiB) restored and"
                               + " checked in %d ms; %d results files after it to read", listing.size(), listedMillis,
                               chain.lastSequence(), chain.fileCount(), state.products().size(),
                               chain.baseBytes() / 1048576.0, chain.deltaCount(), chain.deltaBytes() / 1048576.0,
                               millisBetween(restoreStarted, System.nanoTime()), listing.size() - chain.fileCount()));
        return chain;
    }

    /**
     * The restored snapshot (checked against the archive and {@code results/}) cut to the index's start: records
     * archived after it was written leave the index again; if it ends before the archive does, the index starts
     * empty after the archive and the snapshot gives only the products (the archived records after it follow).
     */
    private IndexSnapshotStore.Chain cutToIndexStart(IndexSnapshotStore.Chain chain, long indexStart) {
        try {
            if (chain.lastSequence() >= indexStart - 1) {
                state.index().trimBefore(indexStart);
                state.files().trimBefore(indexStart);
            } else {
                state.index().startAt(indexStart);
                state.files().startAt(indexStart);
            }
            return chain;
        } catch (RuntimeException e) {
            return snapshots.ignored(state.index(), state.files(), state.products(),
                                     "it cannot start after the archive's end " + (indexStart - 1) + ": "
                                     + e.getMessage());
        }
    }

    /**
     * The restored snapshot cut to the history's start: records that history retention deleted after the snapshot
     * was written leave the index again. A snapshot that ends before the start, or starts after the archive's end
     * (the index's start: segments it relied on are gone), is not used.
     */
    private IndexSnapshotStore.Chain startAt(IndexSnapshotStore.Chain chain, long historyStart, long indexStart) {
        if (chain.lastSequence() == 0) {
            return chain;
        }
        if (state.index().firstSequence() > indexStart || chain.lastSequence() < historyStart) {
            return snapshots.ignored(state.index(), state.files(), state.products(), "it covers records "
                                     + state.index().firstSequence() + " to " + chain.lastSequence()
                                     + ", the history starts at " + historyStart + " and the archive ends at "
                                     + (indexStart - 1));
        }
        if (state.index().firstSequence() >= historyStart) {
            return chain;
        }
        try {
            state.index().trimBefore(historyStart);
            state.files().trimBefore(historyStart);
            return chain;
        } catch (RuntimeException e) {
            return snapshots.ignored(state.index(), state.files(), state.products(),
                                     "it cannot start at the history's start " + historyStart + ": " + e.getMessage());
        }
    }

    /** The snapshot covered files after the last one in {@code results/}: unless the log has them, they are lost. */
    private static void noteMissingFiles(IndexSnapshotStore.Chain snapshot, List<ResultsFileName> missing,
                                         Recovery recovery) {
        if (!missing.isEmpty()) {
            recovery.historyReached(snapshot.lastSequence(), "the index snapshot covers " + missing.size()
                                    + " results files after the last one in results/: " + missing);
        }
    }

    private static long millisBetween(long startNanos, long endNanos) {
        return (endNanos - startNanos) / 1_000_000;
    }

    /**
     * Records a new price and returns once it is durable.
     *
     * @throws StorageUnavailableException if the pipeline is full, storage is failing, or not serving
     */
    public PriceRecord reprice(String productId, BigDecimal price) {
        return reprice(productId, price, null).record();
    }

    /** The durable record a reprice answers with, and whether it was made by an earlier request. */
    public record Reprice(PriceRecord record, boolean replayed) {
    }

    /**
     * Records a new price and returns once it is durable; or, if {@code idempotencyKey} already made a record
     * within the idempotency window, returns that record and writes nothing. A retry that arrives while the
     * original is still waiting for the log gets the original's outcome.
     *
     * @param idempotencyKey 1–255 ASCII characters, or {@code null} for a reprice without one
     * @throws IdempotencyKeyReusedException if the key made a record for another product or price
     * @throws StorageUnavailableException   if the pipeline is full, storage is failing, or not serving
     */
    public Reprice reprice(String productId, BigDecimal price, String idempotencyKey) {
        byte[] id = checkStorable(productId, price, idempotencyKey);
        return serving().admission().reprice(productId, id, price, idempotencyKey);
    }

    /**
     * The log's entry format holds ids of 1–512 UTF-8 bytes (so no lone surrogates), prices of scale 0–18 and keys
     * of 1–255 ASCII characters ({@link ProductIdRule}, {@link PriceRule}, {@link IdempotencyKeyRule}); the API
     * checks first.
     *
     * @return the id's key in the product table
     */
    private static byte[] checkStorable(String productId, BigDecimal price, String idempotencyKey) {
        byte[] id = ProductIdRule.utf8(productId);
        if (id == null) {
            throw new IllegalArgumentException("product id must not contain a lone surrogate");
        }
        int bytes = id.length;
        if (bytes < 1 || bytes > ProductIdRule.MAX_UTF8_BYTES) {
            throw new IllegalArgumentException("product id must be 1–512 UTF-8 bytes, is " + bytes);
        }
        if (price.scale() < 0 || price.scale() > PriceRule.MAX_SCALE || price.signum() <= 0) {
            throw new IllegalArgumentException("price must be positive with a scale of 0–18: " + price);
        }
        if (idempotencyKey != null && IdempotencyKeyRule.problem(idempotencyKey).isPresent()) {
            throw new IllegalArgumentException("idempotency key must be 1–255 visible ASCII characters");
        }
        return id;
    }

    /** The product's last durable record. */
    public Optional<PriceRecord> latest(String productId) {
        serving();
        ProductState product = state.products().get(productId);
        return product == null ? Optional.empty() : Optional.ofNullable(product.latest(productId));
    }

    public HistoryPage history(HistoryQuery query) {
        serving();
        ProductState product = null;
        if (query.productId().isPresent()) {
            product = state.products().get(query.productId().get());
            if (product == null) {
                return new HistoryPage(List.of(), false);
            }
        }
        // The mover may archive records, and history retention delete the oldest, while this reads: then it reads
        // again over the new boundary.
        for (int attempt = 1; ; attempt++) {
            try {
                return product == null ? reader.allProducts(query)
                                       : reader.oneProduct(product, query.productId().get(), query);
            } catch (HistoryTrimmedException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    public StorageHealth health() {
        return switch (phase) {
            case RECOVERING -> new StorageHealth(false, "recovering");
            case CLOSING, CLOSED -> new StorageHealth(false, "shutting down");
            case SERVING -> {
                String unready = pipeline.unreadyReason();
                if (unready == null) {
                    unready = state.store().damage().orElse(null);
                }
                yield unready == null ? new StorageHealth(true, "ok") : new StorageHealth(false, unready);
            }
        };
    }

    /** Reprices accepted and waiting for the log. */
    public int writeQueueDepth() {
        return phase == Phase.SERVING ? pipeline.queueDepth() : 0;
    }

    /** Durable records in the history (those history retention kept), archived or not. */
    public long recordCount() {
        return state.index().size() - archive.firstSequence() + 1;
    }

    /** The records the in-memory index holds: those not archived (for tests: the heap grows with these alone). */
    long indexedRecords() {
        return state.index().recordCount();
    }

    public Path resultsDirectory() {
        return state.directory().path();
    }

    /**
     * The results files after the one named {@code since} (all of them if empty), in sequence order, as the
     * ledger's own table holds them at this moment: whole files in {@code results/} that, after the files up to
     * {@code since}, continue the history without a gap. A view over the table, taken in O(log files) however many
     * files there are; unlike a directory listing it never misses a file that a concurrent rename adds.
     */
    public List<ResultsFileName> resultsFilesAfter(Optional<ResultsFileName> since) {
        long after = since.map(ResultsFileName::firstSequence).orElse(0L);
        for (int attempt = 1; ; attempt++) {
            // The archived files as a view over the segments; the loose ones (a local retention's worth) copied
            // out of the table, which lets go of them when the mover archives them during the export.
            List<com.repricer.storage.archive.SegmentName> segments = archive.segments();
            long archivedThrough = reader.archived().lastSequence(segments);
            try {
                FileTable files = state.files();
                long count = files.count();
                if (files.firstSequence() > archivedThrough + 1) {
                    throw new HistoryTrimmedException("archived since the segments were read");
                }
                List<ResultsFileName> loose = new ArrayList<>();
                for (long i = files.firstAfter(Math.max(after, archivedThrough), count); i < count; i++) {
                    loose.add(files.file(i));
                }
                if (files.firstSequence() > archivedThrough + 1) {
                    throw new HistoryTrimmedException("archived while the loose files were listed");
                }
                List<ResultsFileName> archived = reader.archived().filesAfter(segments, after);
                return concatenation(archived, loose);
            } catch (HistoryTrimmedException e) {
                if (attempt == 3) {
                    throw e;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static List<ResultsFileName> concatenation(List<ResultsFileName> first, List<ResultsFileName> second) {
        return new AbstractList<>() {
            @Override
            public ResultsFileName get(int i) {
                Objects.checkIndex(i, size());
                return i < first.size() ? first.get(i) : second.get(i - first.size());
            }

            @Override
            public int size() {
                return first.size() + second.size();
            }
        };
    }

    /**
     * The bytes of a results file named by {@link #resultsFilesAfter}, checked to hold the records its name says.
     *
     * @throws DamagedResultsException if they do not (logged, and readiness is down from then on)
     */
    public byte[] resultsFileBytes(ResultsFileName file) {
        return state.store().checkedBytes(file);
    }

    /**
     * Refuses before an export starts if a damaged results file among {@code files} is known already.
     *
     * @throws DamagedResultsException naming the records that cannot be read
     */
    public void checkReadable(List<ResultsFileName> files) {
        if (!files.isEmpty()) {
            state.store().checkNoKnownDamageFrom(files.getFirst().firstSequence());
        }
    }

    /** Deletes what history retention has made due now, as the background does every second (for tests). */
    int deleteExpiredNow() {
        serving();
        return retention.deleteExpired();
    }

    /** The record positions the product's list holds (for tests: retention drops those of deleted records). */
    int positionsHeld(String productId) {
        ProductState product = state.products().get(productId);
        return product == null ? 0 : product.size() - product.firstIndex();
    }

    /** Where the history starts: 1, or the first sequence history retention kept. */
    public long historyStart() {
        return archive.firstSequence();
    }

    /** Moves what is due into the archive now, as the background does every second (for tests). */
    int archiveNow() {
        serving();
        return mover.moveSealed();
    }

    /** The archive's segments, bytes, lag and the loose files (for the metrics); all zero before recovery. */
    public ArchiveMover.Status archiveStatus() {
        ArchiveMover running = mover;
        return running == null ? new ArchiveMover.Status(0, 0, 0, 0) : running.status();
    }

    /** The archive's segments, in sequence order. */
    public List<com.repricer.storage.archive.SegmentName> archivedSegments() {
        return archive.segments();
    }

    /** The last sequence the index snapshot restored at start; 0 if recovery read every results file. */
    long restoredFromSnapshot() {
        WritePipeline running = pipeline;
        return running == null ? 0 : running.restoredFromSnapshot();
    }

    /** Writes an index snapshot of what is in fsync'ed results files now, as the background does (for tests). */
    boolean writeSnapshotNow() {
        return serving().writeSnapshotNow();
    }

    /** The last sequence in fsync'ed results files: what a snapshot written now would cover (for tests). */
    long resultsSyncedThrough() {
        return serving().syncedThrough();
    }

    /**
     * Stops history retention after the deletion under way, then the archive mover after the segment it is moving;
     * if that takes too long (a large segment), it is interrupted: whatever it leaves is cleaned up at the next
     * start, and the loose files are still there.
     */
    private void stopMover() {
        HistoryRetention deleting = retention;
        if (deleting != null) {
            deleting.stop();
            join(retentionThread);
        }
        ArchiveMover running = mover;
        if (running != null) {
            running.stop();
            join(moverThread);
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(MOVER_STOP_MILLIS);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(MOVER_STOP_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The running pipeline, or the refusal while recovering or shutting down. */
    private WritePipeline serving() {
        Phase now = phase;
        if (now == Phase.SERVING) {
            return pipeline;
        }
        throw now == Phase.RECOVERING
              ? new StorageUnavailableException(StorageUnavailableException.Reason.RECOVERING, "recovering")
              : new StorageUnavailableException(StorageUnavailableException.Reason.SHUTTING_DOWN, "shutting down");
    }

    /**
     * Stops taking reprices, makes everything accepted durable, writes the open window into {@code results/},
     * and releases the data directory.
     */
    @Override
    public synchronized void close() {
        if (phase == Phase.CLOSED) {
            return;
        }
        WritePipeline running = phase == Phase.SERVING ? pipeline : null;
        phase = Phase.CLOSING;
        try {
            stopMover();
            if (running != null) {
                running.close();
            } else {
                state.directory().close();
            }
            archive.close();
            lock.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            phase = Phase.CLOSED;
        }
    }
}
