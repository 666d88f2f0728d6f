package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.StorageMetrics;
import com.repricer.storage.log.WriteAheadLog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Cuts the durable records into results files. One thread: records arrive in sequence order from the group
 * commit; a file is closed when the next record falls into another window, when it holds the maximum number of
 * records, or when its window has passed (measured on the monotonic clock, so a wall clock that steps back does
 * not hold a file open). Files are renamed into {@code results/} at once and fsync'ed later in batches, with the
 * folder; only then is the log trimmed up to them.
 *
 * <p>A failing write (disk full) is retried every second: the records stay in the log and in memory meanwhile,
 * and {@link #failure()} reports it to the readiness check.
 *
 * <p>It starts with the files recovery left to write ({@link Recovery.Outcome#pending}): a start on a full disk
 * serves reads from memory while this writer retries them, and {@link #recoveredWork()} tells when they are done.
 */
public final class ResultsWriter implements Runnable {

    private static final Logger LOG = Logger.getLogger(ResultsWriter.class.getName());
    private static final List<PriceRecord> STOP = List.of();
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final BlockingQueue<List<PriceRecord>> incoming = new LinkedBlockingQueue<>();
    private final ResultsDirectory directory;
    private final FileTable files;
    private final RecordStore store;
    private final WriteAheadLog log;
    private final FileGrouping grouping;
    private final long syncIntervalNanos;
    private final StorageMetrics metrics;
    private final WriteAheadLog.BeforeTrim beforeTrim;

    private List<PriceRecord> open = new ArrayList<>();
    private long openDeadline;
    private final Deque<List<PriceRecord>> closed = new ArrayDeque<>();
    /** Files renamed into results/ but not yet fsync'ed, with their records (in case they must be rewritten). */
    private final List<Written> unsynced = new ArrayList<>();
    private long unsyncedThrough;
    /** A sync failed: the unsynced files' pages may be lost although the kernel now calls them clean. */
    private boolean rewriteBeforeSync;
    /** Every record up to here is in an fsync'ed results file (read by the index snapshot). */
    private volatile long syncedThrough;
    /** The last sequence handed to this writer (recovered or accepted). */
    private volatile long acceptedThrough;
    /** The last sequence recovery left to write; done once {@link #syncedThrough} reaches it. */
    private final long recoveredThrough;
    private final CompletableFuture<Void> recoveredWork = new CompletableFuture<>();
    private long lastSync = System.nanoTime();
    private long retryAt = System.nanoTime();
    private volatile IOException failure;
    private volatile boolean finishedClean;

    /**
     * @param recovered  where recovery left the results files, and the files it left to write
     * @param beforeTrim saves what only the log holds besides records, before the log is trimmed
     */
    public ResultsWriter(ResultsDirectory directory, FileTable files, RecordStore store, WriteAheadLog log,
                  StorageConfig config, StorageMetrics metrics, Recovery.Outcome recovered,
                  WriteAheadLog.BeforeTrim beforeTrim) {
        this.directory = directory;
        this.files = files;
        this.store = store;
        this.log = log;
        this.grouping = new FileGrouping(config.window(), config.maxRecordsPerFile());
        this.syncIntervalNanos = config.resultsSyncInterval().toNanos();
        this.metrics = metrics;
        this.beforeTrim = beforeTrim;
        this.syncedThrough = recovered.syncedThrough();
        this.acceptedThrough = recovered.nextSequence() - 1;
        this.recoveredThrough = recovered.nextSequence() - 1;
        closed.addAll(recovered.pending());
        if (recovered.pending().isEmpty()) {
            recoveredWork.complete(null);
        }
    }

    /** Durable records, in sequence order. */
    public void accept(List<PriceRecord> records) {
        acceptedThrough = records.getLast().sequence();
        incoming.add(records);
    }

    /**
     * Done once the files recovery left are written and fsync'ed, or as soon as writing them has failed once
     * (then {@link #failure()} says why, and the writer goes on retrying).
     */
    public CompletableFuture<Void> recoveredWork() {
        return recoveredWork;
    }

    /** Durable records not yet in an fsync'ed results file: in the log and in memory only. */
    public long recordsWaiting() {
        return acceptedThrough - syncedThrough;
    }

    public IOException failure() {
        return failure;
    }

    /** Every record up to here is in an fsync'ed results file (from recovery, then from this writer's syncs). */
    public long syncedThrough() {
        return syncedThrough;
    }

    /** Writes the open window and syncs everything, then stops; called after the last {@link #accept}. */
    public void stop() {
        incoming.add(STOP);
    }

    @Override
    public void run() {
        try {
            while (true) {
                List<PriceRecord> records = incoming.poll(waitNanos(), TimeUnit.NANOSECONDS);
                if (records == STOP) {
                    closeOpen();
                    finish();
                    return;
                }
                if (records != null) {
                    try {
                        records.forEach(this::add);
                    } catch (RuntimeException e) {
                        // The records are safe in the log; report and keep the thread alive.
                        failed("Results writer error; the records stay in the log", new IOException(e));
                    }
                }
                long now = System.nanoTime();
                if (!open.isEmpty() && now - openDeadline >= 0) {
                    closeOpen();
                }
                if (now - retryAt >= 0) {
                    writeClosed();
                    if (!unsynced.isEmpty() && now - lastSync >= syncIntervalNanos) {
                        sync();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            recoveredWork.complete(null); // never leave a start waiting for a writer that has stopped
        }
    }

    private long waitNanos() {
        long now = System.nanoTime();
        long wait = syncIntervalNanos;
        if (!open.isEmpty()) {
            wait = Math.min(wait, openDeadline - now);
        }
        if (!closed.isEmpty() || !unsynced.isEmpty()) {
            wait = Math.min(wait, Math.max(retryAt - now, lastSync + syncIntervalNanos - now));
        }
        return Math.max(wait, 0);
    }

    private void add(PriceRecord record) {
        if (grouping.startsNewFile(open, record)) {
            closeOpen();
        }
        if (open.isEmpty()) {
            openDeadline = System.nanoTime() + (grouping.windowEnd(record.timestampNanos()) - record.timestampNanos());
        }
        open.add(record);
        if (open.size() >= grouping.maxRecords()) {
            closeOpen();
        }
    }

    private void closeOpen() {
        if (!open.isEmpty()) {
            closed.add(open);
            open = new ArrayList<>();
            if (System.nanoTime() - retryAt >= 0) {
                writeClosed();
            }
        }
    }

    private void writeClosed() {
        while (!closed.isEmpty() && !Thread.currentThread().isInterrupted()) {
            List<PriceRecord> records = closed.peek();
            try {
                Path file = directory.write(records, false);
                closed.poll();
                files.add(records.getFirst().sequence(), records.size());
                store.filed(records);
                unsynced.add(new Written(file, records));
                unsyncedThrough = records.getLast().sequence();
                metrics.resultsFileWritten(records.size());
            } catch (java.nio.channels.ClosedByInterruptException e) {
                return; // shutdown ran out of time; the log keeps these records for the next start
            } catch (IOException e) {
                failed("Writing results file failed; the records stay in the log, retrying", e);
                return;
            }
        }
        if (failure != null && unsynced.isEmpty()) {
            recovered();
        }
    }

    private void sync() {
        try {
            if (rewriteBeforeSync) {
                rewriteUnsynced();
            }
            directory.sync(unsynced.stream().map(Written::path).toList());
            rewriteBeforeSync = false;
            unsynced.clear();
            syncedThrough = unsyncedThrough;
            if (syncedThrough >= recoveredThrough) {
                recoveredWork.complete(null);
            }
            lastSync = System.nanoTime();
            log.trimThrough(unsyncedThrough, beforeTrim);
            if (failure != null && closed.isEmpty()) {
                recovered();
            }
        } catch (IOException e) {
            rewriteBeforeSync = true;
            failed("Syncing results files failed; the records stay in the log, retrying", e);
        }
    }

    /**
     * After a failed fsync, Linux may have dropped the dirty pages and marked them clean, so a second fsync of
     * the same files succeeds without writing them. Writing each file anew (same name, same bytes, a new inode
     * renamed over the old one) makes sure the retry really puts them on disk before the log lets go of them.
     */
    private void rewriteUnsynced() throws IOException {
        for (Written file : unsynced) {
            directory.write(file.records(), false);
        }
    }

    private record Written(Path path, List<PriceRecord> records) {
    }

    private void failed(String message, IOException e) {
        if (failure == null) {
            LOG.log(Level.SEVERE, message, e);
        }
        failure = e;
        retryAt = System.nanoTime() + RETRY_NANOS;
        recoveredWork.complete(null);
    }

    private void recovered() {
        failure = null;
        LOG.info("Results files are written again");
    }

    /** On shutdown: try hard, but a failure leaves the records safe in the log for the next start. */
    private void finish() {
        writeClosed();
        if (!unsynced.isEmpty() && !Thread.currentThread().isInterrupted()) {
            sync();
        }
        if (failure != null || !closed.isEmpty() || !unsynced.isEmpty()) {
            LOG.warning("Shut down with results not yet written; the next start writes them from the log");
        } else {
            finishedClean = true;
        }
    }

    /**
     * Whether the writer stopped with every record it was handed in an fsync'ed results file; then
     * {@link #syncedThrough()} is the last record of the history.
     */
    public boolean finishedClean() {
        return finishedClean;
    }
}
