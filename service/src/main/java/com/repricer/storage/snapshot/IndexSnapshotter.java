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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntToLongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes the index snapshot ({@link IndexSnapshot}, files by {@link IndexSnapshotStore}) from the live index, on
 * its own thread, so that neither reprices nor the results writer wait for it.
 *
 * <p><b>When.</b> A start parses only the results files after the snapshot, about 22 µs a record, so a crash costs
 * what the snapshot is behind. Every {@link #CHECK_INTERVAL} the snapshotter appends a <b>delta</b> of the records
 * new in fsync'ed results files, once at least {@link #DELTA_RECORDS} are new or {@link #IDLE_DELAY} has passed
 * with any: at 20 000 reprices a second, a delta a second, and a crash leaves about a second of records plus what
 * the results files had not synced yet. A delta costs what it holds plus one pass over the product table (a
 * read of each product's last position, some 50 ms for a million products); a base costs the whole history (10 M
 * records of 1 M products: about a second of one core and 67 MiB). So the deltas are folded into a new
 * <b>base</b> once they add up to a quarter of the base's size ({@link #FOLD_SHARE}) or number
 * {@link #MAX_DELTAS}: under full load at 10 M records a base about every half minute, and the folder never
 * holds more than the base, {@link #MAX_DELTAS} deltas and a quarter of the base in them. A start with deltas left
 * that it could not use (damaged, or of an older base) writes a base first, which removes them. And once more at a
 * clean shutdown ({@link #writeFinal}), a delta or a base by the same rule.
 *
 * <p><b>What, without stopping writes.</b> Only records up to S, the last sequence in fsync'ed results files.
 * Below S nothing changes any more: the timestamp column, the file table and each product's positions are
 * append-only with one writer, and a reader sees everything below a size it read; so they are read live, without
 * a lock or a copy. Only a product's latest record may have moved past S meanwhile; then its last record ≤ S is
 * read back from its results file, which is fsync'ed and never changes (in sequence order, each file once).
 * There are at most as many of those as records past S, so while the results files lag the log by more than
 * {@link #MAX_LAG} records (a bulk load) the snapshot waits: it would cost a file read per product.
 */
public final class IndexSnapshotter implements Runnable {

    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    static final long DELTA_RECORDS = 2_000;
    static final Duration IDLE_DELAY = Duration.ofSeconds(30);
    static final int MAX_DELTAS = 256;
    /** Deltas are folded into a new base once their bytes reach the base's divided by this. */
    static final int FOLD_SHARE = 4;
    static final long MAX_LAG = 100_000;
    private static final Logger LOG = Logger.getLogger(IndexSnapshotter.class.getName());
    private static final SecureRandom GENERATIONS = new SecureRandom();

    /** Every product, as the snapshot reads it: a seam so that how the ledger keeps products stays its own. */
    public interface Products {

        /** Visits every product with a record after sequence {@code after} (every product with one, for 0). */
        void forEachAfter(long after, ProductVisitor visitor);

        /**
         * Visits the last durable record of every product whose records are all at or before {@code through}
         * (archived or deleted: not in the index any more), unless it has a newer one by now.
         */
        void forEachCarried(long through, java.util.function.Consumer<PriceRecord> visitor);

        /** How many products there are now (a sizing hint for the restore). */
        int count();
    }

    /** The products of a product table: each one's record positions and, on demand, its last durable record. */
    public static Products productsOf(ProductTable products, HistoryIndex index) {
        return new Products() {
            @Override
            public void forEachAfter(long after, ProductVisitor visitor) {
                products.forEach(product -> {
                    int size = product.size();
                    // A delta's walk skips most of a large catalogue here, with one read and no allocation.
                    if (size > 0 && product.sequenceAt(size - 1) > after) {
                        // Positions history retention dropped read as 0: before every sequence a part covers.
                        visitor.visit(size, i -> i < product.firstIndex() ? 0 : product.sequenceAt(i),
                                      () -> product.latest(new String(product.id, StandardCharsets.UTF_8)));
                    }
                });
            }

            @Override
            public void forEachCarried(long through, java.util.function.Consumer<PriceRecord> visitor) {
                products.forEach(product -> {
                    int size = product.size();
                    if (size > 0 && product.sequenceAt(size - 1) <= through) {
                        PriceRecord last = product.latest(new String(product.id, StandardCharsets.UTF_8));
                        if (last.sequence() <= through) { // else repriced since: the records after it restore it
                            visitor.accept(last);
                        }
                    }
                });
            }

            @Override
            public int count() {
                return products.size();
            }
        };
    }

    @FunctionalInterface
    public interface ProductVisitor {
        /**
         * @param size       how many of its records the index held when this was called
         * @param sequenceAt its i-th record's sequence, ascending, for i below {@code size}
         * @param latest     its last durable record, built only when asked for
         */
        void visit(int size, IntToLongFunction sequenceAt, Supplier<PriceRecord> latest);
    }

    private final IndexSnapshotStore snapshots;
    private final HistoryIndex index;
    private final FileTable files;
    private final ResultsFileSource directory;
    private final Products products;
    private final LongSupplier syncedThrough;
    private final LongSupplier nanoTime;
    private final CountDownLatch stopping = new CountDownLatch(1);
    /** What the snapshot on disk holds (guarded by this object's monitor). */
    private IndexSnapshotStore.Chain chain;
    private long lastWrite;
    /** Whether the last attempt was postponed (guarded by this object's monitor). */
    private boolean postponed;
    /**
     * The first record of the last base written (guarded by this object's monitor); 1 until one is written, so
     * that after history retention deleted records a new base, without them, is written first.
     */
    private long baseFirstSequence = 1;

    /**
     * @param chain         what the snapshot on disk holds ({@link IndexSnapshotStore.Chain#NONE} if nothing usable)
     * @param syncedThrough the last sequence in fsync'ed results files: everything recovery restored, then what
     *                      the results writer synced since
     * @param nanoTime      the clock the background loop's delays are measured with
     */
    public IndexSnapshotter(IndexSnapshotStore snapshots, HistoryIndex index, FileTable files,
                            ResultsFileSource directory, Products products, IndexSnapshotStore.Chain chain,
                            LongSupplier syncedThrough, LongSupplier nanoTime) {
        this.snapshots = snapshots;
        this.index = index;
        this.files = files;
        this.directory = directory;
        this.products = products;
        this.syncedThrough = syncedThrough;
        this.nanoTime = nanoTime;
        this.chain = chain;
        this.lastWrite = nanoTime.getAsLong();
    }

    @Override
    public void run() {
        try {
            while (!stopping.await(CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
                writeIfDue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One turn of the background loop: writes a delta or a base if one is due. */
    boolean writeIfDue() {
        long covered = syncedThrough.getAsLong();
        long pending = covered - chain().lastSequence();
        long now = nanoTime.getAsLong();
        if (pending <= 0 || pending < DELTA_RECORDS && now - lastWrite < IDLE_DELAY.toNanos()) {
            return false;
        }
        lastWrite = now; // a failed attempt waits its turn too
        return write(covered, () -> stopping.getCount() == 0);
    }

    /** Ends the background loop; a write under way stops at its next chunk and leaves the old snapshot. */
    public void stop() {
        stopping.countDown();
    }

    /** At a clean shutdown, once the results writer has finished: a snapshot of everything, if anything is new. */
    public void writeFinal(long deadlineMillis) {
        long covered = syncedThrough.getAsLong();
        if (covered > chain().lastSequence()) {
            write(covered, () -> System.currentTimeMillis() > deadlineMillis);
        }
    }

    /** Writes a snapshot of what is in fsync'ed results files now (for tests: the background one, on demand). */
    public boolean writeNow() {
        return write(syncedThrough.getAsLong(), () -> false);
    }

    /** What the snapshot on disk holds now. */
    synchronized IndexSnapshotStore.Chain chain() {
        return chain;
    }

    /** Whether the next part written is a base: there is none, or the deltas are due to be folded into one. */
    private boolean baseDue() {
        return chain.generation() == 0 || chain.strays() || chain.deltaCount() >= MAX_DELTAS
               || chain.deltaBytes() * FOLD_SHARE >= chain.baseBytes()
               || index.firstSequence() > baseFirstSequence; // history retention deleted records
    }

    /** @return whether a part was written; a failure is logged and leaves the snapshot as it was */
    private synchronized boolean write(long coveredThrough, BooleanSupplier cancelled) {
        if (coveredThrough <= chain.lastSequence()) {
            return false;
        }
        long lag = index.size() - coveredThrough;
        if (lag > MAX_LAG) {
            // Once at INFO, then every turn at FINE: a bulk load postpones it every second for minutes.
            LOG.log(postponed ? Level.FINE : Level.INFO,
                    "Index snapshot postponed: results files are " + lag + " records behind the log");
            postponed = true;
            return false;
        }
        postponed = false;
        long started = System.nanoTime();
        boolean base = baseDue();
        long from = base ? index.firstSequence() - 1 : chain.lastSequence();
        if (coveredThrough <= from) {
            return false; // nothing kept is in fsync'ed results files yet
        }
        try {
            int[] fileCounts = files.countsBetween(from, coveredThrough);
            IndexSnapshot.Part header = new IndexSnapshot.Part(base ? newGeneration() : chain.generation(), from,
                                                               coveredThrough, index.timestampOf(coveredThrough),
                                                               fileCounts.length, products.count());
            IndexSnapshotStore.Body body = encoder -> {
                for (int count : fileCounts) {
                    encoder.fileRecordCount(count);
                }
                for (long sequence = from + 1; sequence <= coveredThrough; sequence++) {
                    encoder.timestamp(index.timestampOf(sequence));
                }
                writeProducts(encoder, from, coveredThrough);
                if (base) {
                    writeCarried(encoder, from);
                }
            };
            if (base) {
                long bytes = snapshots.writeBase(header, cancelled, body);
                chain = new IndexSnapshotStore.Chain(header.generation(), coveredThrough,
                                                     header.lastTimestampNanos(), fileCounts.length, bytes, 0, 0,
                                                     false);
                baseFirstSequence = from + 1;
            } else {
                chain = chain.plus(header, snapshots.writeDelta(header, cancelled, body));
            }
            LOG.log(base ? Level.INFO : Level.FINE, () -> String.format(
                    "Wrote the index snapshot's %s of records %d to %d (%d files) in %d ms: %.1f MiB base, %d"
                    + " deltas of %.1f MiB", base ? "base" : "delta", from + 1, coveredThrough, fileCounts.length,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), chain.baseBytes() / 1048576.0,
                    chain.deltaCount(), chain.deltaBytes() / 1048576.0));
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warning("Index snapshot through sequence " + coveredThrough + " not written (" + e
                        + "); the previous one stays");
            return false;
        }
    }

    private static long newGeneration() {
        long generation;
        do {
            generation = GENERATIONS.nextLong();
        } while (generation == 0); // 0 stands for no snapshot
        return generation;
    }

    /**
     * A product whose latest record is past S: its last record ≤ S is read back from its results file.
     *
     * @param first the index of its first record after F
     */
    private record Behind(long lastSequence, String productId, int first, int count, IntToLongFunction sequenceAt) {
    }

    /** Writes every product with a record in {@code from + 1} to {@code coveredThrough}. */
    private void writeProducts(IndexSnapshot.Encoder encoder, long from, long coveredThrough) throws IOException {
        long[] recordsWritten = {0};
        List<Behind> behind = new ArrayList<>();
        forEachProduct(from, (size, sequenceAt, latestRecord) -> {
            int end = countThrough(size, sequenceAt, coveredThrough);
            int first = countThrough(end, sequenceAt, from);
            if (end == first) {
                return;
            }
            int count = end - first;
            long lastSequence = sequenceAt.applyAsLong(end - 1);
            recordsWritten[0] += count;
            PriceRecord latest = latestRecord.get();
            if (latest.sequence() != lastSequence) {
                behind.add(new Behind(lastSequence, latest.productId(), first, count, sequenceAt));
                return;
            }
            try {
                encoder.product(latest, first, count, sequenceAt);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        // A reprice puts a new product into the map just after queueing its first record; in a rare race that
        // record is durable first and the walk misses the product. Then the snapshot waits for the next turn.
        if (recordsWritten[0] != coveredThrough - from) {
            throw new IllegalStateException("the products hold " + recordsWritten[0] + " of "
                                            + (coveredThrough - from) + " records");
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
            encoder.product(last, product.first(), product.count(), product.sequenceAt());
        }
    }

    /**
     * The products a base does not cover otherwise: those whose records are all at or before F (archived, or
     * deleted by history retention), with their last record, so that a start from the snapshot knows their price
     * without reading the archive.
     */
    private void writeCarried(IndexSnapshot.Encoder encoder, long through) throws IOException {
        try {
            products.forEachCarried(through, last -> {
                try {
                    encoder.carried(last);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void forEachProduct(long after, ProductVisitor visitor) throws IOException {
        try {
            products.forEachAfter(after, visitor);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The number of positions ≤ {@code sequence} among the first {@code size}: a binary search. */
    private static int countThrough(int size, IntToLongFunction sequenceAt, long sequence) {
        int low = 0;
        int high = size;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (sequenceAt.applyAsLong(middle) <= sequence) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }
}
