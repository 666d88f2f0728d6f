package com.repricer.storage;

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
    private final Admission admission;
    private final GroupCommitWriter committer;
    private final ResultsWriter resultsWriter;
    private final IndexSnapshotter snapshotter;
    private final Thread committerThread;
    private final Thread resultsThread;
    private final Thread snapshotThread;
    /** The last sequence the index snapshot restored at start; 0 if recovery read every results file. */
    private final long restoredFromSnapshot;
    /** Recovery fsync'ed every file it read or wrote, up to here. */
    private final long recoveredThrough;

    /**
     * @param log                  emptied by recovery, ready to append
     * @param recovered            where recovery left the sequence and the clock
     * @param restoredFromSnapshot the last sequence the index snapshot restored, 0 if none
     */
    WritePipeline(StorageConfig config, Clock clock, StorageMetrics metrics, StorageFiles files, LedgerState state,
                  Stripes stripes, WriteAheadLog log, IdempotencyKeys idempotencyKeys, Recovery.Outcome recovered,
                  IndexSnapshotStore snapshots, long restoredFromSnapshot) {
        this.state = state;
        this.log = log;
        this.restoredFromSnapshot = restoredFromSnapshot;
        this.resultsWriter = new ResultsWriter(state.directory(), state.files(), state.store(), log, config, metrics,
                                               idempotencyKeys::save);
        this.committer = new GroupCommitWriter(log, recovered.nextSequence(), recovered.lastTimestampNanos(), clock,
                                               config, metrics,
                                               new CommitOutcome(stripes, state, idempotencyKeys, resultsWriter),
                                               files);
        this.admission = new Admission(stripes, state.products(), idempotencyKeys, committer, resultsWriter, clock);
        this.recoveredThrough = recovered.nextSequence() - 1;
        this.snapshotter = new IndexSnapshotter(snapshots, state.index(), state.files(), state.directory(),
                                                IndexSnapshotter.productsOf(state.products(), state.index()),
                                                restoredFromSnapshot,
                                                this::syncedThrough);
        this.committerThread = Thread.ofPlatform().name("repricer-group-commit").unstarted(committer);
        this.resultsThread = Thread.ofPlatform().name("repricer-results-writer").unstarted(resultsWriter);
        this.snapshotThread = Thread.ofPlatform().name("repricer-index-snapshot").unstarted(snapshotter);
    }

    void start() {
        committerThread.start();
        resultsThread.start();
        snapshotThread.start();
    }

    Admission admission() {
        return admission;
    }

    /** Why the storage is not ready, or {@code null} if it is. */
    String unreadyReason() {
        IOException logFailure = committer.failure();
        if (logFailure != null) {
            return "log writes fail: " + logFailure.getMessage();
        }
        IOException resultsFailure = resultsWriter.failure();
        if (resultsFailure != null) {
            return "results files fail: " + resultsFailure.getMessage();
        }
        return null;
    }

    /** Every record up to here is in an fsync'ed results file. */
    long syncedThrough() {
        return Math.max(recoveredThrough, resultsWriter.syncedThrough());
    }

    int queueDepth() {
        return committer.queueDepth();
    }

    long restoredFromSnapshot() {
        return restoredFromSnapshot;
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
        log.close();
        state.directory().close();
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
