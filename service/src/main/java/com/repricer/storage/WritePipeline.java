package com.repricer.storage;

import com.repricer.storage.fs.FileSystemInodes;
import com.repricer.storage.fs.InodeReserve;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.idempotency.IdempotencyKeys;
import com.repricer.storage.log.GroupCommitWriter;
import com.repricer.storage.log.WriteAheadLog;
import com.repricer.storage.results.Recovery;
import com.repricer.storage.results.ResultsWriter;
import com.repricer.storage.snapshot.IndexSnapshotStore;
import com.repricer.storage.snapshot.IndexSnapshotter;

import java.io.IOException;
import java.time.Clock;
import java.util.logging.Logger;

/**
 * What recovery starts: the log, the idempotency window, the admission, the group commit, the results writer and
 * the index snapshotter, with their three threads. Built whole once recovery has finished, so nothing in it is
 * ever half there; {@link #close} stops it in the order that loses nothing.
 */
final class WritePipeline implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WritePipeline.class.getName());
    /** Shutdown budget for the writer threads: SPEC §4 gives the whole process 10 s after SIGTERM. */
    private static final long STOP_TIMEOUT_MILLIS = 8_000;

    private final LedgerState state;
    private final WriteAheadLog log;
    private final IdempotencyKeys idempotencyKeys;
    private final Admission admission;
    private final GroupCommitWriter committer;
    private final ResultsWriter resultsWriter;
    private final IndexSnapshotter snapshotter;
    private final Thread committerThread;
    private final Thread resultsThread;
    private final Thread snapshotThread;
    /** What the index snapshot restored at start; {@code Chain.NONE} if recovery read every results file. */
    private final IndexSnapshotStore.Chain restoredFromSnapshot;

    /**
     * @param log                  emptied by recovery, ready to append
     * @param recovered            where recovery left the sequence and the clock
     * @param restoredFromSnapshot what the index snapshot restored, {@code Chain.NONE} if nothing
     * @param inodes               of the data directory: reprices are refused while too few are free
     */
    WritePipeline(StorageConfig config, Clock clock, StorageMetrics metrics, StorageFiles files, LedgerState state,
                  Stripes stripes, WriteAheadLog log, IdempotencyKeys idempotencyKeys, Recovery.Outcome recovered,
                  IndexSnapshotStore snapshots, IndexSnapshotStore.Chain restoredFromSnapshot,
                  FileSystemInodes inodes) {
        this.state = state;
        this.log = log;
        this.restoredFromSnapshot = restoredFromSnapshot;
        this.idempotencyKeys = idempotencyKeys;
        this.resultsWriter = new ResultsWriter(state.directory(), state.files(), state.store(), log, config, metrics,
                                               recovered, idempotencyKeys::save);
        this.committer = new GroupCommitWriter(log, recovered.nextSequence(), recovered.lastTimestampNanos(), clock,
                                               config, metrics,
                                               new CommitOutcome(stripes, state, idempotencyKeys, resultsWriter),
                                               files);
        this.admission = new Admission(stripes, state.products(), idempotencyKeys, committer, resultsWriter,
                                       new InodeReserve(inodes, this::recordsUnfiled), clock);
        this.snapshotter = new IndexSnapshotter(snapshots, state.index(), state.files(), state.history(),
                                                IndexSnapshotter.productsOf(state.products(), state.index()),
                                                restoredFromSnapshot, this::syncedThrough, System::nanoTime);
        this.committerThread = Thread.ofPlatform().name("repricer-group-commit").unstarted(committer);
        this.resultsThread = Thread.ofPlatform().name("repricer-results-writer").unstarted(resultsWriter);
        this.snapshotThread = Thread.ofPlatform().name("repricer-index-snapshot").unstarted(snapshotter);
    }

    void start() {
        committer.probeBeforeStart();
        committerThread.start();
        resultsThread.start();
        snapshotThread.start();
    }

    Admission admission() {
        return admission;
    }

    /**
     * Waits until the results files recovery left are written and fsync'ed, or writing them has failed once (a
     * full disk: the pipeline runs on, serving them from memory and not ready, while the writer retries).
     */
    void awaitRecoveredWork() {
        resultsWriter.recoveredWork().join();
    }

    /** Why the storage is not ready, or {@code null} if it is. */
    String unreadyReason() {
        IOException logFailure = committer.failure();
        IOException resultsFailure = resultsWriter.failure();
        String waiting = resultsWriter.recordsWaiting() + " records waiting to be written to results/";
        if (resultsFailure != null) {
            return (isDiskFull(resultsFailure) ? "disk full: " : "") + waiting + " (results files fail: "
                   + resultsFailure.getMessage() + (logFailure == null ? "" : "; log writes fail too") + ")";
        }
        if (logFailure != null) {
            return (isDiskFull(logFailure) ? "disk full: " : "") + "log writes fail: " + logFailure.getMessage();
        }
        if (!resultsWriter.recoveredWork().isDone()) {
            return "recovering: " + waiting;
        }
        return null;
    }

    /** ENOSPC: the JDK reports it only in the message, as the C library words it. */
    private static boolean isDiskFull(IOException e) {
        return String.valueOf(e.getMessage()).contains("No space left on device");
    }

    /** Records accepted and not yet in an fsync'ed results file: queued for the log or waiting for the writer. */
    private long recordsUnfiled() {
        return committer.queueDepth() + resultsWriter.recordsWaiting();
    }

    /** Every record up to here is in an fsync'ed results file (recovery's records among them). */
    long syncedThrough() {
        return resultsWriter.syncedThrough();
    }

    int queueDepth() {
        return committer.queueDepth();
    }

    long restoredFromSnapshot() {
        return restoredFromSnapshot.lastSequence();
    }

    boolean writeSnapshotNow() {
        return snapshotter.writeNow();
    }

    /**
     * Stops admitting reprices, makes everything admitted durable, writes the open window into {@code results/}
     * and a last index snapshot, and closes the files, all within the shutdown budget. Whatever runs out of time
     * stays in the log for the next start.
     */
    @Override
    public void close() throws IOException {
        admission.close();
        try {
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (committerThread.isAlive() || resultsThread.isAlive()) {
            LOG.warning("Storage threads still running at exit; leaving their files open");
            return;
        }
        emptyLogIfClean();
        log.close();
        state.directory().close();
    }

    /**
     * Once every record is in an fsync'ed results file, the log is emptied (after saving the idempotency keys
     * only it holds): an empty log tells the next start that the shutdown was clean, so that it has no file to
     * rewrite. Left as it is otherwise: the next start rewrites the files in its range.
     */
    private void emptyLogIfClean() {
        if (!resultsWriter.finishedClean()) {
            return;
        }
        try {
            idempotencyKeys.save();
            log.restartAt(resultsWriter.syncedThrough() + 1);
        } catch (IOException e) {
            LOG.warning("Could not empty the log at shutdown (" + e + "); the next start rewrites its files");
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
}
