package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.Timestamps;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.HistoryTrimmedException;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.results.FileTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * History retention ({@code repricer.history.retention}): deletes whole archive segments whose newest record is
 * older than the retention, measured from min(wall clock, newest record) — so a record from a clock far ahead
 * cannot wipe the history, and while writes stop nothing more is deleted (the newest record is always kept). On
 * its own thread ({@code repricer-retention}, a turn a second), apart from the {@link ArchiveMover}.
 *
 * <p>A deletion, in the order that a crash at any point leaves either the old start or the new one:
 * <ol>
 *   <li>the new {@link HistoryStart} is made durable: the first sequence kept, and the last record of each product
 *       whose records are all in the deleted segments (its price stays its price);</li>
 *   <li>the archive, the history index and the file table start there: the deleted records leave the heap, and
 *       reads from now on see only what is kept (a read that raced with it asks again);</li>
 *   <li>the segments are deleted from the store (data first, so a half-deleted segment is no longer listed).</li>
 * </ol>
 * A crash or a failure after step 1 leaves segments before the start in the store: the next start does not count
 * them as history ({@link Archive#load(long)}) and this class deletes them on its next turn.
 */
public final class HistoryRetention implements Runnable {

    private static final Logger LOG = Logger.getLogger(HistoryRetention.class.getName());
    private static final long TURN_MILLIS = 1000;

    /** What retention reports; a failed deletion counts as a failure of the archive ({@link #archiveFailed}). */
    public interface Metrics extends ArchiveMover.Metrics {
        Metrics NONE = new Metrics() {
        };

        /** {@code count} segments were deleted from the store. */
        default void archiveSegmentsDeleted(int count) {
        }
    }

    private final Duration retention;
    private final Archive archive;
    private final HistoryIndex index;
    private final FileTable files;
    private final ProductTable products;
    private final Path startDirectory;
    private final Clock clock;
    private final StorageFiles storageFiles;
    private final Metrics metrics;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile IOException failure;

    /** @param startDirectory where the {@link HistoryStart} file lives (the data directory) */
    public HistoryRetention(Duration retention, Archive archive, HistoryIndex index, FileTable files,
                            ProductTable products, Path startDirectory, Clock clock, StorageFiles storageFiles,
                            Metrics metrics) {
        this.retention = retention;
        this.archive = archive;
        this.index = index;
        this.files = files;
        this.products = products;
        this.startDirectory = startDirectory;
        this.clock = clock;
        this.storageFiles = storageFiles;
        this.metrics = metrics;
    }

    @Override
    public void run() {
        try {
            do {
                deleteExpired();
            } while (!stop.await(TURN_MILLIS, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends {@link #run} after the deletion under way, if any. */
    public void stop() {
        stop.countDown();
    }

    /** The last turn's failure, or {@code null} if it went well. */
    public IOException failure() {
        return failure;
    }

    /**
     * Deletes the segments past the retention, and what an earlier deletion left in the store.
     *
     * @return the number of segments the history lost (leftovers not counted)
     */
    public synchronized int deleteExpired() {
        try {
            int expired = expiredCount();
            if (expired > 0) {
                List<SegmentName> segments = archive.segments().subList(0, expired);
                long start = segments.getLast().lastSequence() + 1;
                long bytes = 0;
                for (SegmentName segment : segments) {
                    bytes += archive.store().partSize(segment.dataName())
                             + archive.store().partSize(segment.indexName());
                }
                new HistoryStart(start, carriedBefore(start)).write(startDirectory, storageFiles);
                archive.startAt(start, bytes);
                index.trimBefore(start);
                files.trimBefore(start);
                LOG.info("History retention (" + retention + "): the history now starts at sequence " + start
                         + "; deleting " + expired + " archive segments from " + segments.getFirst());
            }
            deleteLeftovers();
            if (failure != null) {
                LOG.info("History retention works again");
                failure = null;
            }
            return expired;
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                LOG.log(Level.WARNING, "History retention failed; tried again in a second", e);
            }
            failure = e instanceof IOException io ? io : new IOException(e);
            metrics.archiveFailed();
            return 0;
        }
    }

    /** How many of the oldest segments hold only records older than the reference time minus the retention. */
    private int expiredCount() throws IOException {
        List<SegmentName> segments = archive.segments();
        if (segments.isEmpty()) {
            return 0;
        }
        long reference = Math.min(Timestamps.epochNanos(clock.instant()), newestTimestamp(segments));
        long cutoff = reference - retention.toNanos();
        int expired = 0;
        while (expired < segments.size() && archive.facts(segments.get(expired)).lastTimestampNanos() < cutoff) {
            expired++;
        }
        return expired;
    }

    /** The newest record's timestamp: from the index, or from the archive if it holds every record. */
    private long newestTimestamp(List<SegmentName> segments) throws IOException {
        long newest = index.size();
        if (newest > segments.getLast().lastSequence()) {
            try {
                return index.timestampOf(newest);
            } catch (HistoryTrimmedException e) {
                // archived since the segments were read: the archive's last record is the newest
            }
        }
        List<SegmentName> now = archive.segments();
        return archive.facts(now.getLast()).lastTimestampNanos();
    }

    /**
     * The last record of every product that has none from {@code start} on, in sequence order.
     */
    private List<PriceRecord> carriedBefore(long start) {
        List<PriceRecord> carried = new ArrayList<>();
        products.forEach(product -> {
            int size = product.size();
            if (size > 0 && product.sequenceAt(size - 1) < start) {
                PriceRecord last = product.latest(new String(product.id, StandardCharsets.UTF_8));
                if (last.sequence() < start) { // else repriced since: its kept records tell its price
                    carried.add(last);
                }
            }
        });
        carried.sort(Comparator.comparingLong(PriceRecord::sequence));
        return carried;
    }

    private void deleteLeftovers() throws IOException {
        List<SegmentName> leftovers = archive.leftovers();
        List<SegmentName> deleted = new ArrayList<>();
        try {
            for (SegmentName segment : leftovers) {
                archive.store().delete(segment);
                deleted.add(segment);
            }
        } finally {
            if (!deleted.isEmpty()) {
                archive.leftoversDeleted(deleted);
                metrics.archiveSegmentsDeleted(deleted.size());
            }
        }
    }
}
