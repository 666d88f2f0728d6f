package com.repricer.storage.snapshot;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.results.FileTable;
import com.repricer.storage.results.ResultsFileSource;
import com.repricer.storage.results.ResultsFileName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntToLongFunction;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Writes the index snapshot ({@link IndexSnapshot}) from the live index, on its own thread, so that neither
 * reprices nor the results writer wait for it.
 *
 * <p><b>When.</b> In the background once at least {@link #EVERY_RECORDS} records were added to fsync'ed results
 * files since the last snapshot (or since the start, if there was none), at most once every
 * {@link #MIN_INTERVAL}; and once more at a clean shutdown ({@link #writeFinal}). Why: a start parses only the
 * files after the snapshot, so about 100 000 records (10 000 files, a second or two) is what a crash costs on top
 * of a clean restart; a snapshot costs time in proportion to the whole history (10 M records of 1 M products:
 * about a second of one core and 67 MiB written), so it is taken in steps of records, and at most once a minute
 * however busy the service is.
 *
 * <p><b>What, without stopping writes.</b> Only records 1 to S, where S is the last sequence in fsync'ed results
 * files. Below S nothing changes any more: the timestamp column, the file table and each product's positions are
 * append-only with one writer, and a reader sees everything below a size it read; so they are read live, without
 * a lock or a copy. Only a product's latest record may have moved past S meanwhile; then its last record ≤ S is
 * read back from its results file, which is fsync'ed and never changes (in sequence order, each file once).
 * There are at most as many of those as records past S, so while the results files lag the log by more than
 * {@link #MAX_LAG} records (a bulk load) the snapshot waits: it would cost a file read per product.
 */
public final class IndexSnapshotter implements Runnable {

    static final long EVERY_RECORDS = 100_000;
    static final Duration MIN_INTERVAL = Duration.ofMinutes(1);
    static final long MAX_LAG = 100_000;
    private static final long CHECK_INTERVAL_MILLIS = 1000;
    private static final Logger LOG = Logger.getLogger(IndexSnapshotter.class.getName());

    /** Every product, as the snapshot reads it: a seam so that how the ledger keeps products stays its own. */
    @FunctionalInterface
    public interface Products {
        void forEach(ProductVisitor visitor);
    }

    /** The products of a product table: each one's last durable record and record positions. */
    public static Products productsOf(ProductTable products, HistoryIndex index) {
        return visitor -> products.forEach(product -> visitor.visit(
                product.latest(new String(product.id, StandardCharsets.UTF_8), index), product.size(),
                product::sequenceAt));
    }

    @FunctionalInterface
    public interface ProductVisitor {
        /**
         * @param latest     the product's last durable record, or {@code null} if it has none yet
         * @param size       how many of its records the index held when this was called
         * @param sequenceAt its i-th record's sequence, ascending, for i below {@code size}
         */
        void visit(PriceRecord latest, int size, IntToLongFunction sequenceAt);
    }

    private final IndexSnapshotStore snapshots;
    private final HistoryIndex index;
    private final FileTable files;
    private final ResultsFileSource directory;
    private final Products products;
    private final LongSupplier syncedThrough;
    private final CountDownLatch stopping = new CountDownLatch(1);
    /** The last sequence the snapshot on disk covers (guarded by this object's monitor). */
    private long lastCovered;
    private long lastAttempt;

    /**
     * @param lastCovered   what the snapshot on disk covers (0 if there is none that matched)
     * @param syncedThrough the last sequence in fsync'ed results files: everything recovery restored, then what
     *                      the results writer synced since
     */
    public IndexSnapshotter(IndexSnapshotStore snapshots, HistoryIndex index, FileTable files, ResultsFileSource directory,
                     Products products, long lastCovered, LongSupplier syncedThrough) {
        this.snapshots = snapshots;
        this.index = index;
        this.files = files;
        this.directory = directory;
        this.products = products;
        this.syncedThrough = syncedThrough;
        this.lastCovered = lastCovered;
        this.lastAttempt = System.nanoTime() - MIN_INTERVAL.toNanos();
    }

    @Override
    public void run() {
        try {
            while (!stopping.await(CHECK_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
                long covered = syncedThrough.getAsLong();
                boolean due = covered - lastCovered() >= EVERY_RECORDS
                              && System.nanoTime() - lastAttempt >= MIN_INTERVAL.toNanos();
                if (due) {
                    lastAttempt = System.nanoTime(); // a failed attempt waits its turn too
                    write(covered, () -> stopping.getCount() == 0);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends the background loop; a write under way stops at its next chunk and leaves the old snapshot. */
    public void stop() {
        stopping.countDown();
    }

    /** At a clean shutdown, once the results writer has finished: a snapshot of everything, if anything is new. */
    public void writeFinal(long deadlineMillis) {
        long covered = syncedThrough.getAsLong();
        if (covered > lastCovered()) {
            write(covered, () -> System.currentTimeMillis() > deadlineMillis);
        }
    }

    /** Writes a snapshot of what is in fsync'ed results files now (for tests: the background one, on demand). */
    public boolean writeNow() {
        return write(syncedThrough.getAsLong(), () -> false);
    }

    private synchronized long lastCovered() {
        return lastCovered;
    }

    /** @return whether the snapshot was written; a failure is logged and leaves the old snapshot */
    private synchronized boolean write(long coveredThrough, BooleanSupplier cancelled) {
        if (coveredThrough == 0) {
            return false;
        }
        long lag = index.size() - coveredThrough;
        if (lag > MAX_LAG) {
            LOG.info("Index snapshot postponed: results files are " + lag + " records behind the log");
            return false;
        }
        long started = System.nanoTime();
        int[] productCount = {0};
        try {
            int[] fileCounts = files.countsThrough(coveredThrough);
            long bytes = snapshots.write(coveredThrough, index.timestampOf(coveredThrough), fileCounts.length,
                                         cancelled, encoder -> {
                for (int count : fileCounts) {
                    encoder.fileRecordCount(count);
                }
                for (long sequence = 1; sequence <= coveredThrough; sequence++) {
                    encoder.timestamp(index.timestampOf(sequence));
                }
                productCount[0] = writeProducts(encoder, coveredThrough);
            });
            lastCovered = coveredThrough;
            LOG.info(String.format("Wrote the index snapshot: %d records, %d files, %d products, %.1f MiB in %d ms",
                                   coveredThrough, fileCounts.length, productCount[0], bytes / 1048576.0,
                                   TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warning("Index snapshot through sequence " + coveredThrough + " not written (" + e
                        + "); the previous one stays");
            return false;
        }
    }

    /** A product whose latest record is past S: its last record ≤ S is read back from its results file. */
    private record Behind(long lastSequence, String productId, int count, IntToLongFunction sequenceAt) {
    }

    /** @return the number of products written */
    private int writeProducts(IndexSnapshot.Encoder encoder, long coveredThrough) throws IOException {
        long[] recordsWritten = {0};
        int[] productsWritten = {0};
        List<Behind> behind = new ArrayList<>();
        try {
            products.forEach((latest, size, sequenceAt) -> {
                int count = countThrough(size, sequenceAt, coveredThrough);
                if (latest == null || count == 0) {
                    return;
                }
                long lastSequence = sequenceAt.applyAsLong(count - 1);
                recordsWritten[0] += count;
                productsWritten[0]++;
                if (latest.sequence() != lastSequence) {
                    behind.add(new Behind(lastSequence, latest.productId(), count, sequenceAt));
                    return;
                }
                try {
                    encoder.product(latest, count, sequenceAt);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        // A reprice puts a new product into the map just after queueing its first record; in a rare race that
        // record is durable first and the walk misses the product. Then the snapshot waits for the next turn.
        if (recordsWritten[0] != coveredThrough) {
            throw new IllegalStateException("the products hold " + recordsWritten[0] + " of " + coveredThrough
                                            + " records");
        }
        behind.sort(Comparator.comparingLong(Behind::lastSequence));
        ResultsFileName file = null;
        List<PriceRecord> fileRecords = List.of();
        for (Behind product : behind) {
            if (file == null || product.lastSequence() > file.lastSequence()) {
                file = files.fileOf(product.lastSequence());
                fileRecords = directory.readRecords(file);
            }
            PriceRecord last = fileRecords.get((int) (product.lastSequence() - file.firstSequence()));
            if (!last.productId().equals(product.productId())) {
                throw new IllegalStateException("record " + last.sequence() + " belongs to " + last.productId()
                                                + ", not to " + product.productId());
            }
            encoder.product(last, product.count(), product.sequenceAt());
        }
        return productsWritten[0];
    }

    /** The number of positions ≤ {@code coveredThrough}: a binary search, as positions ascend. */
    private static int countThrough(int size, IntToLongFunction sequenceAt, long coveredThrough) {
        int low = 0;
        int high = size;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (sequenceAt.applyAsLong(middle) <= coveredThrough) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }
}
