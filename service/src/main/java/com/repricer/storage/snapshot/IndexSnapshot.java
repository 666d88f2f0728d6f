package com.repricer.storage.snapshot;

import com.repricer.storage.PriceRecord;
import com.repricer.rules.ProductIdRule;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.ProductState;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.log.PriceCodec;
import com.repricer.storage.results.FileTable;
import com.repricer.storage.results.ResultsFileName;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntToLongFunction;
import java.util.zip.CRC32C;

/**
 * What recovery would rebuild in memory from the results files holding records 1 to S, persisted so that a start
 * can skip parsing those files: the file table, the timestamp column and every product's last record and record
 * positions. The one owner of the snapshot's bytes: {@link Encoder} writes them, {@link #decode} reads them.
 *
 * <h2>On-disk format</h2>
 * Big-endian; written by {@link IndexSnapshotStore} as {@code <data-dir>/index/snapshot}.
 * <pre>
 * header:
 *   8 bytes  magic "RPRINDEX"
 *   int      format version (1)
 *   long     S, the last covered sequence: the snapshot describes records 1 to S, all in fsync'ed results files
 *   long     timestamp of record S, epoch nanoseconds
 *   int      F, the number of results files holding records 1 to S
 * files, F times:
 *   varint   the file's record count. Files run without gaps from sequence 1, so a file's first sequence is 1
 *            plus the counts before it, and its first timestamp is that record's (below): together, its name.
 * timestamps, S in all:
 *   long     timestamp of record 1, epoch nanoseconds, then S − 1 times:
 *   varint   the next record's timestamp minus the previous one's (≥ 1: timestamps strictly increase)
 * products, one entry per product with a record ≤ S, in no particular order:
 *   short    id length in UTF-8 bytes (1–512), then the id
 *   price    the new price of the product's last record ≤ S
 *   byte     1 if a previous price follows, 0 if that record was the product's first
 *   price    that record's previous price (only if the byte above is 1)
 *   varint   n, the number of the product's records ≤ S (≥ 1)
 *   varint   the position (sequence − 1) of its first record, then n − 1 times the next position minus the
 *            previous one (≥ 1). The last position gives the last record's sequence; the timestamps its time.
 * trailer:
 *   short    0 (no id is empty: this ends the products)
 *   int      the number of products (a check)
 *   int      CRC-32C of every byte before it
 * price:
 *   byte     scale (0–18)
 *   byte     length of the unscaled value, then the unscaled value as two's-complement big-endian bytes
 * varint:    unsigned LEB128: 7 bits a byte, least significant group first, high bit set on every byte but the last
 * </pre>
 * Deltas keep the file small (10 M records of 1 M products: 67 MiB, 7 bytes a record, against 12 bytes a record
 * for the timestamps and positions alone as plain longs and ints), which is what a clean shutdown has to write and
 * fsync within its time budget.
 *
 * <p>{@link #decode} trusts nothing: besides the magic, version and checksum it checks that the files cover
 * exactly records 1 to S and that every record belongs to exactly one product, so a snapshot that is damaged,
 * foreign or from a different program version is rejected rather than half-used.
 *
 * @param lastSequence       S: the snapshot covers records 1 to S
 * @param lastTimestampNanos the timestamp of record S
 * @param fileRecordCounts   the record count of each results file, in order from sequence 1
 * @param timestamps         the timestamp of record n at index n − 1
 * @param products           every product with a record ≤ S
 */
public record IndexSnapshot(long lastSequence, long lastTimestampNanos, int[] fileRecordCounts, long[] timestamps,
                     List<Product> products) {

    static final int VERSION = 1;
    private static final byte[] MAGIC = "RPRINDEX".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = MAGIC.length + 4 + 8 + 8 + 4;
    private static final int TRAILER_BYTES = 2 + 4 + 4;

    /**
     * One product as of record S. Its record positions are a slice of one array shared by all products: one
     * allocation at start instead of a million.
     *
     * @param last         its last record with a sequence ≤ S
     * @param allPositions the positions (sequence − 1) of every product's records; this one's are
     *                     {@code [from, from + count)}, ascending
     */
    public record Product(String id, PriceRecord last, int[] allPositions, int from, int count) {

        /** The sequence of the product's i-th record, i below {@link #count}. */
        public long sequenceAt(int i) {
            return allPositions[from + i] + 1L;
        }
    }

    /**
     * Why {@code listing} does not start with exactly the files this snapshot covers (first sequence, first
     * timestamp, record count), or {@code null} if it does.
     *
     * @param listing every results file, in sequence order
     */
    String mismatchWith(List<ResultsFileName> listing) {
        long first = 1;
        for (int i = 0; i < fileRecordCounts.length; i++) {
            long firstTimestamp = timestamps[(int) (first - 1)];
            if (i == listing.size()) {
                return new ResultsFileName(first, firstTimestamp, fileRecordCounts[i]) + " is missing (results/ holds "
                       + listing.size() + " files, the snapshot covers " + fileRecordCounts.length + ")";
            }
            ResultsFileName found = listing.get(i);
            if (found.firstSequence() != first || found.firstTimestampNanos() != firstTimestamp
                || found.recordCount() != fileRecordCounts[i]) {
                return "expected " + new ResultsFileName(first, firstTimestamp, fileRecordCounts[i]) + ", found "
                       + found;
            }
            first += fileRecordCounts[i];
        }
        return null;
    }

    /**
     * The files this snapshot covers that come after {@code listing}, if {@code listing} is exactly the start of
     * them: the last files of this history are gone from {@code results/}. Empty if the listing holds every
     * covered file or differs from them (another history, or files changed in the middle).
     *
     * @param listing every results file, in sequence order
     */
    public List<ResultsFileName> filesMissingAfter(List<ResultsFileName> listing) {
        List<ResultsFileName> missing = new ArrayList<>();
        long first = 1;
        for (int i = 0; i < fileRecordCounts.length; i++) {
            ResultsFileName covered = new ResultsFileName(first, timestamps[(int) (first - 1)], fileRecordCounts[i]);
            if (i >= listing.size()) {
                missing.add(covered);
            } else if (!listing.get(i).equals(covered)) {
                return List.of();
            }
            first += fileRecordCounts[i];
        }
        return missing;
    }

    /**
     * Puts the timestamp column, the file table and every product back, from sequence 1, as recovery would have
     * left them after reading the files this snapshot covers. The recovery thread, before anyone reads.
     */
    public void restoreInto(HistoryIndex index, FileTable files, ProductTable productTable) {
        for (int i = 0; i < timestamps.length; i++) {
            index.addTimestamp(i + 1L, timestamps[i]);
        }
        long first = 1;
        for (int count : fileRecordCounts) {
            files.add(first, count);
            first += count;
        }
        productTable.reserve(products.size());
        for (Product restored : products) {
            ProductState product = new ProductState(ProductTable.key(restored.id()));
            product.restore(restored.last(), restored.count(), restored::sequenceAt);
            productTable.add(product); // one probe, not two as in getOrAdd; a product named twice fails the start
        }
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** The snapshot's bytes cannot be trusted: damaged, truncated, foreign, or inconsistent. */
    static final class DamagedSnapshotException extends Exception {
        DamagedSnapshotException(String message) {
            super(message);
        }
    }

    public static IndexSnapshot decode(ByteBuffer bytes) throws DamagedSnapshotException {
        ByteBuffer in = bytes.slice().order(java.nio.ByteOrder.BIG_ENDIAN);
        if (in.remaining() < HEADER_BYTES + TRAILER_BYTES) {
            throw new DamagedSnapshotException("only " + in.remaining() + " bytes");
        }
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new DamagedSnapshotException("not an index snapshot (wrong magic)");
        }
        int version = in.getInt();
        if (version != VERSION) {
            throw new DamagedSnapshotException("format version " + version + ", this program reads " + VERSION);
        }
        int crcAt = in.limit() - 4;
        CRC32C crc = new CRC32C();
        crc.update(in.slice(0, crcAt));
        if ((int) crc.getValue() != in.getInt(crcAt)) {
            throw new DamagedSnapshotException("checksum mismatch");
        }
        try {
            return decodeBody(in.limit(crcAt));
        } catch (RuntimeException e) {
            // A valid checksum over nonsense: a foreign or buggy writer. Never half-trust it.
            throw new DamagedSnapshotException("malformed content: " + e);
        }
    }

    private static IndexSnapshot decodeBody(ByteBuffer in) throws DamagedSnapshotException {
        long lastSequence = in.getLong();
        long lastTimestamp = in.getLong();
        int fileCount = in.getInt();
        if (lastSequence < 1 || lastSequence >= Integer.MAX_VALUE || fileCount < 1 || fileCount > lastSequence) {
            throw new DamagedSnapshotException("impossible header: " + lastSequence + " records, " + fileCount
                                               + " files");
        }
        int records = (int) lastSequence;
        int[] counts = new int[fileCount];
        long counted = 0;
        for (int i = 0; i < fileCount; i++) {
            counts[i] = positiveInt(getVarint(in), "file record count");
            counted += counts[i];
        }
        if (counted != lastSequence) {
            throw new DamagedSnapshotException("files hold " + counted + " records, the header says " + lastSequence);
        }
        long[] timestamps = new long[records];
        timestamps[0] = in.getLong();
        for (int i = 1; i < records; i++) {
            long delta = getVarint(in);
            if (delta < 1) {
                throw new DamagedSnapshotException("timestamps do not increase at sequence " + (i + 1));
            }
            timestamps[i] = Math.addExact(timestamps[i - 1], delta);
        }
        if (timestamps[records - 1] != lastTimestamp) {
            throw new DamagedSnapshotException("the last timestamp differs from the header's");
        }
        List<Product> products = new ArrayList<>();
        BitSet covered = new BitSet(records);
        int[] positions = new int[records];
        int used = 0;
        for (int idLength = in.getShort(); idLength != 0; idLength = in.getShort()) {
            Product product = decodeProduct(in, idLength, timestamps, covered, positions, used);
            products.add(product);
            used += product.count();
        }
        int productCount = in.getInt();
        if (productCount != products.size() || in.hasRemaining()) {
            throw new DamagedSnapshotException("the trailer does not match the products");
        }
        if (covered.cardinality() != records) {
            throw new DamagedSnapshotException("the products hold " + covered.cardinality() + " of " + records
                                               + " records");
        }
        return new IndexSnapshot(lastSequence, lastTimestamp, counts, timestamps, products);
    }

    /** One product entry; its positions go to {@code positions} from {@code from} on. */
    private static Product decodeProduct(ByteBuffer in, int idLength, long[] timestamps, BitSet covered,
                                         int[] positions, int from) throws DamagedSnapshotException {
        if (idLength < 1 || idLength > ProductIdRule.MAX_UTF8_BYTES) {
            throw new DamagedSnapshotException("impossible product id length " + idLength);
        }
        byte[] id = new byte[idLength];
        in.get(id);
        PriceCodec.Prices prices = prices(in);
        int count = positiveInt(getVarint(in), "record count");
        if (count > positions.length - from) {
            throw new DamagedSnapshotException("the products hold more records than the header says");
        }
        long position = -1;
        for (int i = 0; i < count; i++) {
            long delta = getVarint(in);
            position = i == 0 ? delta : position + delta;
            if ((i > 0 && delta < 1) || position < 0 || position >= timestamps.length
                || covered.get((int) position)) {
                throw new DamagedSnapshotException("impossible or repeated record position " + position);
            }
            covered.set((int) position);
            positions[from + i] = (int) position;
        }
        int last = (int) position;
        String productId = new String(id, StandardCharsets.UTF_8);
        return new Product(productId, new PriceRecord(last + 1L, productId, prices.previousPrice(), prices.newPrice(),
                                                      timestamps[last]), positions, from, count);
    }

    private static int positiveInt(long value, String what) throws DamagedSnapshotException {
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw new DamagedSnapshotException("impossible " + what + " " + value);
        }
        return (int) value;
    }

    private static PriceCodec.Prices prices(ByteBuffer in) throws DamagedSnapshotException {
        try {
            return PriceCodec.getPrices(in);
        } catch (IllegalArgumentException e) {
            throw new DamagedSnapshotException(e.getMessage());
        }
    }

    private static long getVarint(ByteBuffer in) throws DamagedSnapshotException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new DamagedSnapshotException("varint longer than 10 bytes");
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * Writes a snapshot in the order of the format above, straight from the live index (no copy of it): header,
     * then each file count, each timestamp, each product, then {@link #finish}. Bytes go out in 1 MiB chunks; the
     * checksum runs along.
     */
    public static final class Encoder {

        private static final int CHUNK_BYTES = 1 << 20;
        /** Room for the largest single item (a product entry without its positions) before a flush. */
        private static final int ITEM_BYTES = 2 + ProductIdRule.MAX_UTF8_BYTES + 2 * PriceCodec.MAX_BYTES + 1 + 10;

        private final WritableByteChannel out;
        private final BooleanSupplier cancelled;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_BYTES);
        private final CRC32C crc = new CRC32C();
        private long written;
        private long previousTimestamp;
        private long timestampCount;
        private int productCount;

        /**
         * @param cancelled checked at every chunk: once true, writing stops with an {@link IOException}
         */
        Encoder(WritableByteChannel out, BooleanSupplier cancelled, long lastSequence, long lastTimestampNanos,
                int fileCount) {
            this.out = out;
            this.cancelled = cancelled;
            buffer.put(MAGIC).putInt(VERSION).putLong(lastSequence).putLong(lastTimestampNanos).putInt(fileCount);
        }

        public void fileRecordCount(int count) throws IOException {
            room(10);
            putVarint(count);
        }

        /** Timestamps in sequence order, from record 1. */
        void timestamp(long timestampNanos) throws IOException {
            room(10);
            if (timestampCount++ == 0) {
                buffer.putLong(timestampNanos);
            } else {
                putVarint(timestampNanos - previousTimestamp);
            }
            previousTimestamp = timestampNanos;
        }

        /**
         * @param last       the product's last record ≤ S
         * @param count      how many of its records are ≤ S
         * @param sequenceAt its i-th record's sequence, ascending, for i below {@code count}
         */
        void product(PriceRecord last, int count, IntToLongFunction sequenceAt) throws IOException {
            byte[] id = last.productId().getBytes(StandardCharsets.UTF_8);
            room(ITEM_BYTES);
            buffer.putShort((short) id.length).put(id);
            PriceCodec.putPrices(buffer, last.newPrice(), last.previousPrice());
            putVarint(count);
            long previous = 0;
            for (int i = 0; i < count; i++) {
                long position = sequenceAt.applyAsLong(i) - 1;
                room(10);
                putVarint(position - previous);
                previous = position;
            }
            productCount++;
        }

        /** Writes the trailer and the last chunk. */
        void finish() throws IOException {
            room(TRAILER_BYTES);
            buffer.putShort((short) 0).putInt(productCount);
            int end = buffer.position();
            buffer.flip();
            crc.update(buffer.duplicate());
            buffer.limit(end + 4);
            buffer.putInt(end, (int) crc.getValue());
            drain();
        }

        /** Bytes handed to the channel so far. */
        long written() {
            return written;
        }

        private void room(int bytes) throws IOException {
            if (buffer.remaining() < bytes) {
                buffer.flip();
                crc.update(buffer.duplicate());
                drain();
            }
        }

        private void drain() throws IOException {
            if (cancelled.getAsBoolean()) {
                throw new IOException("index snapshot cancelled");
            }
            while (buffer.hasRemaining()) {
                written += out.write(buffer);
            }
            buffer.clear();
        }


        private void putVarint(long value) {
            while ((value & ~0x7fL) != 0) {
                buffer.put((byte) ((value & 0x7f) | 0x80));
                value >>>= 7;
            }
            buffer.put((byte) value);
        }
    }
}
