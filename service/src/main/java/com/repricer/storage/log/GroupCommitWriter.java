package com.repricer.storage.log;

import com.repricer.storage.PendingReprice;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.StorageMetrics;
import com.repricer.storage.Timestamps;
import com.repricer.storage.fs.StorageFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Group commit: the one thread that writes the log. It takes every reprice waiting in the queue (up to a batch),
 * gives each its sequence number and timestamp, appends them all and issues one fsync for the whole group; only
 * then are they published and their callers released.
 *
 * <p>Sequence numbers and timestamps are assigned here, in queue order, by a single thread: no global lock is
 * needed to make them gap-free and strictly increasing. A product's reprices enter the queue in the order of its
 * stripe lock, so the queue order is also each product's previous-price chain order.
 *
 * <p>If a write or fsync fails, the group and everything queued behind it are refused, the log is cut back to
 * its last durable byte and the writer refuses new work until a probe write succeeds again.
 */
public final class GroupCommitWriter implements Runnable {

    /** What the ledger does with the outcome of a group. */
    public interface Listener {
        /** The records are durable: publish them. Called on the writer thread, in sequence order. */
        void durable(List<PriceRecord> records, List<PendingReprice> pending);

        /**
         * The group could not be made durable: roll back what it promised and refuse it, together with
         * {@code stillQueued} (everything queued behind it, drained from the queue when called).
         */
        void failed(List<PendingReprice> group, IOException cause, Supplier<List<PendingReprice>> stillQueued);
    }

    private static final Logger LOG = Logger.getLogger(GroupCommitWriter.class.getName());
    private static final PendingReprice STOP = new PendingReprice(null, null, null, null, null);
    private static final long PROBE_INTERVAL_MILLIS = 1000;
    private static final int PROBE_BYTES = 4 * 1024;

    private final BlockingQueue<PendingReprice> queue;
    private final WriteAheadLog log;
    private final Clock clock;
    private final StorageConfig config;
    private final StorageMetrics metrics;
    private final Listener listener;
    private final ByteBuffer buffer;
    private final Path probeFile;
    private final StorageFiles files;
    private long nextSequence;
    private long lastTimestamp;
    private volatile IOException failure;

    public GroupCommitWriter(WriteAheadLog log, long nextSequence, long lastTimestamp, Clock clock, StorageConfig config,
                      StorageMetrics metrics, Listener listener, StorageFiles files) {
        this.queue = new LinkedBlockingQueue<>(config.writeQueueCapacity());
        this.log = log;
        this.nextSequence = nextSequence;
        this.lastTimestamp = lastTimestamp;
        this.clock = clock;
        this.config = config;
        this.metrics = metrics;
        this.listener = listener;
        this.buffer = ByteBuffer.allocateDirect(config.maxBatch() * WriteAheadLog.maxEntryBytes());
        this.probeFile = config.temporaryDirectory().resolve("write-probe");
        this.files = files;
    }

    /** @return false if the pipeline is full */
    public boolean offer(PendingReprice reprice) {
        return queue.offer(reprice);
    }

    public int queueDepth() {
        return queue.size();
    }

    /** The last write failure while the writer refuses work, else {@code null}. */
    public IOException failure() {
        return failure;
    }

    /** Everything still queued, removed from the queue (for refusing after a failure). */
    private List<PendingReprice> drainQueued() {
        List<PendingReprice> drained = new ArrayList<>();
        queue.drainTo(drained);
        drained.remove(STOP);
        return drained;
    }

    /** Asks the writer to stop after what is already queued; the caller makes sure nothing more is offered. */
    public void stop() throws InterruptedException {
        queue.put(STOP);
    }

    @Override
    public void run() {
        List<PendingReprice> group = new ArrayList<>(config.maxBatch());
        try {
            while (true) {
                PendingReprice first = queue.poll(PROBE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (failure != null) {
                        probe();
                    }
                    continue;
                }
                group.clear();
                group.add(first);
                queue.drainTo(group, config.maxBatch() - 1);
                int stopAt = group.indexOf(STOP);
                if (stopAt >= 0) {
                    group.subList(stopAt, group.size()).clear();
                }
                if (!group.isEmpty()) {
                    try {
                        commit(group);
                    } catch (RuntimeException e) {
                        // Never let the one writer thread die: callers would wait forever. Fail closed instead.
                        fail(new ArrayList<>(group), new IOException("unexpected error in the group commit", e));
                    }
                }
                if (stopAt >= 0) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void commit(List<PendingReprice> group) {
        if (failure != null) {
            // Queued in the moment before the failure was seen; the ledger's rollback drains these too.
            listener.failed(new ArrayList<>(group), failure, this::drainQueued);
            return;
        }
        List<PriceRecord> records = new ArrayList<>(group.size());
        buffer.clear();
        long sequence = nextSequence;
        long timestamp = lastTimestamp;
        for (PendingReprice reprice : group) {
            timestamp = nextTimestamp(timestamp);
            PriceRecord record = new PriceRecord(sequence++, reprice.productId(), reprice.previousPrice(),
                                                 reprice.newPrice(), timestamp);
            WriteAheadLog.encode(record, reprice.idempotencyKey(), buffer);
            records.add(record);
        }
        buffer.flip();
        try {
            log.append(buffer);
            long started = System.nanoTime();
            log.sync();
            metrics.logSynced(System.nanoTime() - started, records.size());
        } catch (IOException e) {
            fail(new ArrayList<>(group), e);
            return;
        }
        nextSequence = sequence;
        lastTimestamp = timestamp;
        listener.durable(records, group);
        if (log.currentSegmentBytes() >= config.segmentBytes()) {
            try {
                log.roll(nextSequence);
            } catch (IOException e) {
                fail(List.of(), e);
                return;
            }
        }
        log.writeZerosAhead(); // after the group is released: its fsync keeps the next groups' off the journal
    }

    /** Strictly increasing, even if the wall clock steps back. */
    private long nextTimestamp(long previous) {
        long now = Timestamps.epochNanos(clock.instant());
        return Math.max(now, previous + 1);
    }

    private void fail(List<PendingReprice> group, IOException cause) {
        LOG.log(Level.SEVERE, "Log write failed; refusing reprices until storage works again", cause);
        failure = cause;
        try {
            log.discardUnsynced();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Cannot cut the log back yet; will retry", e);
        }
        listener.failed(group, cause, this::drainQueued);
    }

    /**
     * Before the thread starts: the probe write, so that a start on a failing disk (full, read-only) refuses
     * reprices from the first one and reports it, rather than after a failed group. The thread probes again each
     * second until it works.
     */
    public void probeBeforeStart() {
        try {
            probeWrite();
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "Storage writes fail at start; refusing reprices until they work again", e);
            failure = e;
        }
    }

    /** While failing: cut the log back and try a small fsync'ed write; if both work, accept work again. */
    private void probe() {
        try {
            probeWrite();
            failure = null;
            LOG.info("Storage writes work again; accepting reprices");
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).equals(String.valueOf(failure.getMessage()))) {
                LOG.warning("Storage still failing: " + e);
            }
            failure = e;
        }
    }

    private void probeWrite() throws IOException {
        log.discardUnsynced();
        log.syncDirectory();
        try (FileChannel channel = files.open(probeFile, StandardOpenOption.CREATE,
                                              StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.allocate(PROBE_BYTES);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        } finally {
            Files.deleteIfExists(probeFile);
        }
    }
}
