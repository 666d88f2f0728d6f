package com.repricer.storage;

import com.repricer.storage.fs.DataDirectoryLock;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.idempotency.IdempotencyKeys;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.ProductState;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.log.GroupCommitWriter;
import com.repricer.storage.log.WriteAheadLog;
import com.repricer.storage.results.FileGrouping;
import com.repricer.storage.results.FileTable;
import com.repricer.storage.results.RecordStore;
import com.repricer.storage.results.Recovery;
import com.repricer.storage.results.ResultsDirectory;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.storage.results.ResultsWriter;
import com.repricer.storage.snapshot.IndexSnapshot;
import com.repricer.storage.snapshot.IndexSnapshotStore;
import com.repricer.storage.snapshot.IndexSnapshotter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The storage core: every product's last price, the durable history and its index.
 *
 * <p>A reprice takes its product's stripe lock (a fixed array of locks indexed by the product id's hash: no
 * global lock, no lock object per product), reads the product's accepted price as the previous price, hands the
 * update to the {@link GroupCommitWriter} and notes the new accepted price. The lock is released before waiting
 * for the fsync, so one product's reprices queue in chain order while other products proceed in parallel.
 * Readers see a record only once it is durable.
 *
 * <p>Lifecycle: {@link #open} takes the data directory's lock; {@link #recover} repairs and replays the data
 * and starts the writer threads (until then every request is refused as {@code RECOVERING}); {@link #close}
 * drains the pipeline, writes the open window and releases the lock.
 *
 * <p>An index snapshot ({@link IndexSnapshot}) spares a start parsing the results files it covers: recovery
 * restores it if it matches {@code results/}, and {@link IndexSnapshotter} keeps it fresh.
 */
public final class Ledger implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Ledger.class.getName());
    /** Shutdown budget for the writer threads: SPEC §4 gives the whole process 10 s after SIGTERM. */
    private static final long STOP_TIMEOUT_MILLIS = 8_000;

    private static final int MAX_PRODUCT_ID_BYTES = 512;
    private static final int MAX_SCALE = 18;
    private static final int MAX_KEY_CHARS = 255;

    private enum Phase { RECOVERING, SERVING, CLOSING, CLOSED }

    private final StorageConfig config;
    private final Clock clock;
    private final StorageMetrics metrics;
    private final DataDirectoryLock lock;
    private final StorageFiles storageFiles;
    private final ReentrantLock[] stripes;
    /** Every product's state, lock-free to read (see {@link ProductTable} and {@link ProductState}). */
    private final ProductTable products = new ProductTable();
    private final HistoryIndex index = new HistoryIndex();
    private final FileTable files = new FileTable(index);
    private final ResultsDirectory directory;
    private final RecordStore store;
    private final IndexSnapshotStore snapshots;
    private volatile Phase phase = Phase.RECOVERING;
    private WriteAheadLog log;
    private IdempotencyKeys idempotencyKeys;
    private GroupCommitWriter committer;
    private ResultsWriter resultsWriter;
    private Thread committerThread;
    private Thread resultsThread;
    private IndexSnapshotter snapshotter;
    private Thread snapshotThread;
    /** The last sequence the index snapshot restored at start; 0 if recovery read every results file. */
    private long restoredFromSnapshot;

    private Ledger(StorageConfig config, Clock clock, StorageMetrics metrics, DataDirectoryLock lock,
                   StorageFiles storageFiles) throws IOException {
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.lock = lock;
        this.storageFiles = storageFiles;
        this.stripes = new ReentrantLock[config.stripes()];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
        this.directory = new ResultsDirectory(config.resultsDirectory(), config.temporaryDirectory(),
                                              storageFiles);
        this.store = new RecordStore(files, directory);
        this.snapshots = new IndexSnapshotStore(config.indexDirectory(), storageFiles);
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
        DataDirectoryLock lock = DataDirectoryLock.acquire(config.dataDirectory());
        try {
            return new Ledger(config, clock, metrics, lock, files);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Repairs {@code results/} from the log, replays the history into memory and starts serving. */
    public void recover() throws IOException {
        long started = System.nanoTime();
        WriteAheadLog.Opened opened = WriteAheadLog.open(config.logDirectory(), storageFiles);
        Recovery recovery = new Recovery(directory, new FileGrouping(config.window(), config.maxRecordsPerFile()),
                                         this::replay);
        log = opened.log();
        idempotencyKeys = IdempotencyKeys.load(config.idempotencyDirectory(), config.idempotencyKeys(),
                                               config.idempotencyMaxAge(), opened.keyed(), storageFiles);
        idempotencyKeys.save(); // recovery empties the log, which holds the newest keys
        List<ResultsFileName> unread = restoreSnapshot(recovery);
        Recovery.Outcome outcome = recovery.run(log, opened.records(), unread);
        committer = new GroupCommitWriter(log, outcome.nextSequence(), outcome.lastTimestampNanos(), clock,
                                          config, metrics, new CommitOutcome(), storageFiles);
        resultsWriter = new ResultsWriter(directory, files, store, log, config, metrics, idempotencyKeys::save);
        long recovered = outcome.nextSequence() - 1; // recovery fsync'ed every file it read or wrote
        snapshotter = new IndexSnapshotter(snapshots, index, files, directory, this::forEachProduct,
                                           restoredFromSnapshot,
                                           () -> Math.max(recovered, resultsWriter.syncedThrough()));
        committerThread = Thread.ofPlatform().name("repricer-group-commit").start(committer);
        resultsThread = Thread.ofPlatform().name("repricer-results-writer").start(resultsWriter);
        snapshotThread = Thread.ofPlatform().name("repricer-index-snapshot").start(snapshotter);
        phase = Phase.SERVING;
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        metrics.recovered(took, index.size());
        LOG.info(String.format("Recovered %d records of %d products in %d ms from %s", index.size(), products.size(),
                               took.toMillis(), config.dataDirectory().toAbsolutePath()));
    }

    /**
     * Restores the index snapshot if it matches {@code results/}, so that recovery reads only the files after it.
     *
     * @return the results files recovery has to read: those after the snapshot, or all of them
     */
    private List<ResultsFileName> restoreSnapshot(Recovery recovery) throws IOException {
        long started = System.nanoTime();
        List<ResultsFileName> listing = directory.list();
        long listed = System.nanoTime();
        Optional<IndexSnapshot> loaded = snapshots.read().filter(s -> snapshots.matches(s, listing));
        if (loaded.isEmpty()) {
            LOG.info(String.format("Listed %d results files in %d ms; reading all of them", listing.size(),
                                   millisBetween(started, listed)));
            return listing;
        }
        IndexSnapshot snapshot = loaded.get();
        long read = System.nanoTime();
        snapshot.restoreInto(index, files);
        products.reserve(snapshot.products().size());
        snapshot.products().forEach(this::restoreProduct);
        recovery.resumeAfter(snapshot.lastSequence(), snapshot.lastTimestampNanos());
        restoredFromSnapshot = snapshot.lastSequence();
        int covered = snapshot.fileRecordCounts().length;
        LOG.info(String.format("Listed %d results files in %d ms; index snapshot of %d records, %d files, %d products"
                               + " read and checked in %d ms, restored in %d ms; %d results files after it to read",
                               listing.size(), millisBetween(started, listed), snapshot.lastSequence(), covered,
                               snapshot.products().size(), millisBetween(listed, read),
                               millisBetween(read, System.nanoTime()), listing.size() - covered));
        return listing.subList(covered, listing.size());
    }

    private static long millisBetween(long startNanos, long endNanos) {
        return (endNanos - startNanos) / 1_000_000;
    }

    /** A product from the index snapshot, as {@link #replay} would have left it. */
    private void restoreProduct(IndexSnapshot.Product restored) {
        ProductState product = new ProductState(ProductTable.key(restored.id()));
        product.restore(restored.last(), restored.count(), restored::sequenceAt);
        products.add(product); // one probe, not two as in getOrAdd; a product named twice fails the start
    }

    /** Every product's last durable record and record positions, for the index snapshot. */
    private void forEachProduct(IndexSnapshotter.ProductVisitor visitor) {
        products.forEach(product -> visitor.visit(
                product.latest(new String(product.id, StandardCharsets.UTF_8), index), product.size(),
                product::sequenceAt));
    }

    /** One file's records during recovery, in sequence order. */
    private void replay(List<PriceRecord> records) {
        for (PriceRecord record : records) {
            products.getOrAdd(record.productId()).publish(record, index);
        }
        files.add(records.getFirst().sequence(), records.size());
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
        checkServing();
        while (true) {
            if (idempotencyKey != null) {
                Object known = idempotencyKeys.find(idempotencyKey, nowNanos());
                if (known != null) {
                    return replay(idempotencyKey, known, productId, price);
                }
            }
            PendingReprice pending = submit(productId, id, price, idempotencyKey);
            if (pending != null) {
                PriceRecord record = pending.await();
                // Unless a newer reprice of the product is in flight, the durable price is now the accepted one.
                pending.product.settled(pending);
                return new Reprice(record, false);
            }
            // Another request claimed the key since find(): answer as a retry of that one.
        }
    }

    private Reprice replay(String key, Object known, String productId, BigDecimal price) {
        if (known instanceof PendingReprice original) {
            if (!IdempotencyKeys.sameRequest(productId, price, original.productId, original.newPrice)) {
                throw new IdempotencyKeyReusedException(key, original.productId);
            }
            return new Reprice(original.await(), true);
        }
        PriceRecord original = (PriceRecord) known;
        if (!IdempotencyKeys.sameRequest(productId, price, original.productId(), original.newPrice())) {
            throw new IdempotencyKeyReusedException(key, original.productId());
        }
        return new Reprice(original, true);
    }

    /** Hands the reprice to the log; {@code null} if its idempotency key was claimed by another request. */
    private PendingReprice submit(String productId, byte[] id, BigDecimal price, String idempotencyKey) {
        PendingReprice pending;
        ReentrantLock stripe = stripeOf(productId);
        stripe.lock();
        try {
            if (phase != Phase.SERVING) {
                throw notServing();
            }
            IOException failure = storageFailure();
            if (failure != null) {
                throw new StorageUnavailableException(StorageUnavailableException.Reason.FAILING,
                                                      "storage is failing: " + failure.getMessage());
            }
            ProductState product = products.get(id);
            boolean known = product != null;
            if (!known) {
                product = new ProductState(id);
            }
            pending = new PendingReprice(product, productId, product.acceptedPrice(), price, idempotencyKey);
            if (idempotencyKey != null && !idempotencyKeys.claim(idempotencyKey, pending, nowNanos())) {
                return null;
            }
            if (!committer.offer(pending)) {
                if (idempotencyKey != null) {
                    idempotencyKeys.release(idempotencyKey, pending);
                }
                throw new StorageUnavailableException(StorageUnavailableException.Reason.OVERLOADED,
                                                      "the write pipeline is full");
            }
            if (!known) {
                products.add(product);
            }
            product.accepted(pending);
        } finally {
            stripe.unlock();
        }
        return pending;
    }

    private long nowNanos() {
        return Timestamps.epochNanos(clock.instant());
    }

    /**
     * Why new reprices are refused, or {@code null}. A failing results writer refuses them too, not only a failing
     * log: readiness is false then, its records would pile up in memory and in the untrimmed log without bound, and
     * no new file could appear in {@code results/} in time. What is already queued is still logged and answered.
     */
    private IOException storageFailure() {
        IOException logFailure = committer.failure();
        return logFailure != null ? logFailure : resultsWriter.failure();
    }

    /**
     * The log's entry format holds ids of 1–512 UTF-8 bytes (so no lone surrogates), prices of scale 0–18 and keys
     * of 1–255 ASCII characters; the API checks first.
     *
     * @return the id's key in the product table
     */
    private static byte[] checkStorable(String productId, BigDecimal price, String idempotencyKey) {
        byte[] id = ProductTable.key(productId);
        if (id == null) {
            throw new IllegalArgumentException("product id must not contain a lone surrogate");
        }
        int bytes = id.length;
        if (bytes < 1 || bytes > MAX_PRODUCT_ID_BYTES) {
            throw new IllegalArgumentException("product id must be 1–512 UTF-8 bytes, is " + bytes);
        }
        if (price.scale() < 0 || price.scale() > MAX_SCALE || price.signum() <= 0) {
            throw new IllegalArgumentException("price must be positive with a scale of 0–18: " + price);
        }
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_KEY_CHARS
                                       || !idempotencyKey.chars().allMatch(c -> c >= 0x21 && c <= 0x7e))) {
            throw new IllegalArgumentException("idempotency key must be 1–255 visible ASCII characters");
        }
        return id;
    }

    /** The product's last durable record. */
    public Optional<PriceRecord> latest(String productId) {
        checkServing();
        ProductState product = products.get(productId);
        return product == null ? Optional.empty() : Optional.ofNullable(product.latest(productId, index));
    }

    public HistoryPage history(HistoryQuery query) {
        checkServing();
        HistoryIndex.PageSequences page;
        if (query.productId().isPresent()) {
            ProductState product = products.get(query.productId().get());
            if (product == null) {
                return new HistoryPage(List.of(), false);
            }
            page = index.page(product, query.fromNanos(), query.toNanos(), query.offset(), query.limit());
        } else {
            page = index.page(query.fromNanos(), query.toNanos(), query.offset(), query.limit());
        }
        return new HistoryPage(store.read(page.sequences()), page.hasNext());
    }

    public StorageHealth health() {
        return switch (phase) {
            case RECOVERING -> new StorageHealth(false, "recovering");
            case CLOSING, CLOSED -> new StorageHealth(false, "shutting down");
            case SERVING -> {
                IOException logFailure = committer.failure();
                IOException resultsFailure = resultsWriter.failure();
                if (logFailure != null) {
                    yield new StorageHealth(false, "log writes fail: " + logFailure.getMessage());
                }
                if (resultsFailure != null) {
                    yield new StorageHealth(false, "results files fail: " + resultsFailure.getMessage());
                }
                yield new StorageHealth(true, "ok");
            }
        };
    }

    /** Reprices accepted and waiting for the log. */
    public int writeQueueDepth() {
        return phase == Phase.SERVING ? committer.queueDepth() : 0;
    }

    /** Durable records in the history. */
    public long recordCount() {
        return index.size();
    }

    public Path resultsDirectory() {
        return directory.path();
    }

    /** The last sequence the index snapshot restored at start; 0 if recovery read every results file. */
    long restoredFromSnapshot() {
        return restoredFromSnapshot;
    }

    /** Writes an index snapshot of what is in fsync'ed results files now, as the background does (for tests). */
    boolean writeSnapshotNow() {
        checkServing();
        return snapshotter.writeNow();
    }

    private void checkServing() {
        if (phase != Phase.SERVING) {
            throw notServing();
        }
    }

    private StorageUnavailableException notServing() {
        return phase == Phase.RECOVERING
               ? new StorageUnavailableException(StorageUnavailableException.Reason.RECOVERING, "recovering")
               : new StorageUnavailableException(StorageUnavailableException.Reason.SHUTTING_DOWN, "shutting down");
    }

    private ReentrantLock stripeOf(String productId) {
        int hash = productId.hashCode();
        return stripes[(hash ^ (hash >>> 16)) & (stripes.length - 1)];
    }

    private void lockAllStripes() {
        for (ReentrantLock stripe : stripes) {
            stripe.lock();
        }
    }

    private void unlockAllStripes() {
        for (int i = stripes.length - 1; i >= 0; i--) {
            stripes[i].unlock();
        }
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
        boolean serving = phase == Phase.SERVING;
        phase = Phase.CLOSING;
        try {
            if (serving) {
                // Every reprice past its phase check holds a stripe: once we hold them all, none is mid-offer.
                lockAllStripes();
                unlockAllStripes();
                long deadline = System.currentTimeMillis() + STOP_TIMEOUT_MILLIS;
                committer.stop();
                committerThread.join(Math.max(1, deadline - System.currentTimeMillis()));
                resultsWriter.stop();
                resultsThread.join(Math.max(1, deadline - System.currentTimeMillis()));
                if (resultsThread.isAlive()) {
                    // Out of time: whatever is not in results/ yet is in the log, and the next start writes it.
                    LOG.warning("Results writer did not finish in time; the next start completes it from the log");
                    resultsThread.interrupt();
                    resultsThread.join(STOP_TIMEOUT_MILLIS / 8);
                }
                stopSnapshots(deadline);
            }
            if (committerThread != null && (committerThread.isAlive() || resultsThread.isAlive())) {
                LOG.warning("Storage threads still running at exit; leaving their files open");
            } else {
                if (log != null) {
                    log.close();
                }
                directory.close();
            }
            lock.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            phase = Phase.CLOSED;
        }
    }

    /**
     * Ends the background snapshots and, once the results writer has finished, writes one covering every record
     * in results/, so that the next start reads no results file. Still within the shutdown budget: a snapshot
     * that runs out of time is abandoned, leaving the previous one.
     */
    private void stopSnapshots(long deadline) throws InterruptedException {
        snapshotter.stop();
        snapshotThread.join(Math.max(1, deadline - System.currentTimeMillis()));
        if (snapshotThread.isAlive() || resultsThread.isAlive()) {
            LOG.warning("No index snapshot at shutdown: the storage threads are still running");
            return;
        }
        snapshotter.writeFinal(deadline);
    }

    /** The group-commit outcomes, applied to the products and the index. */
    private final class CommitOutcome implements GroupCommitWriter.Listener {

        @Override
        public void durable(List<PriceRecord> records, List<PendingReprice> pending) {
            for (int i = 0; i < records.size(); i++) {
                PriceRecord record = records.get(i);
                ProductState product = pending.get(i).product;
                store.addUnfiled(record);
                product.publish(record, index);
                if (pending.get(i).idempotencyKey != null) {
                    idempotencyKeys.durable(pending.get(i).idempotencyKey, pending.get(i), record);
                }
            }
            resultsWriter.accept(records);
            for (int i = 0; i < records.size(); i++) {
                pending.get(i).committed(records.get(i));
            }
        }

        @Override
        public void failed(List<PendingReprice> group, IOException cause) {
            StorageUnavailableException refusal = new StorageUnavailableException(
                    StorageUnavailableException.Reason.FAILING, "storage failed: " + cause.getMessage());
            lockAllStripes();
            try {
                group.addAll(committer.drainQueued());
                // Nothing after the last durable record survives: every product's chain restarts from there.
                for (PendingReprice reprice : group) {
                    if (reprice.idempotencyKey != null) {
                        idempotencyKeys.release(reprice.idempotencyKey, reprice);
                    }
                    ProductState product = reprice.product;
                    product.rollBack();
                    if (!product.hasRecords()) {
                        products.remove(product);
                    }
                }
            } finally {
                unlockAllStripes();
            }
            group.forEach(reprice -> reprice.refused(refusal));
            LOG.log(Level.WARNING, "Refused " + group.size() + " reprices after a storage failure");
        }
    }
}
