package com.repricer.storage.snapshot;

import com.repricer.rules.ProductIdRule;
import com.repricer.rules.StrictUtf8;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.ProductState;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.log.PriceCodec;
import com.repricer.storage.results.FileTable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.function.BooleanSupplier;
import java.util.function.IntToLongFunction;
import java.util.zip.CRC32C;

/**
 * What recovery would rebuild in memory from the results files holding records F + 1 to S, persisted so that a
 * start can skip parsing those files: their file table entries, their timestamps, and for every product with a
 * record among them, its last record and its record positions among them. A <b>base</b> describes the in-memory
 * index up to S: F = 0, or F + 1 is where the index started when it was written — after the archive's last record,
 * or where history retention let the history start; it also <b>carries</b> every product whose records are all at
 * or before F, with its last record (its price survives without reading the archive); a <b>delta</b> continues a
 * chain of parts that ends at F. The one owner of the
 * format: {@link Encoder} writes a part, {@link #restore} reads one straight into the index.
 *
 * <h2>On-disk format of a part</h2>
 * Big-endian; the files are laid out by {@link IndexSnapshotStore}.
 * <pre>
 * header:
 *   8 bytes  magic "RPRINDEX"
 *   int      format version (3; version 2, without carried products, is read too)
 *   long     generation: a random number drawn for each base; its deltas carry the same one
 *   long     F, the last sequence before this part (for a base: 0, or the last one history retention deleted)
 *   long     S, the last covered sequence: the part describes records F + 1 to S, all in fsync'ed results files
 *   long     timestamp of record S, epoch nanoseconds
 *   int      the number of results files holding records F + 1 to S
 *   int      how many products the writer's table held: a sizing hint for the restore, nothing is checked by it
 * files, that many times:
 *   varint   the file's record count. Files run without gaps from sequence F + 1, so a file's first sequence is
 *            1 plus F plus the counts before it, and its first timestamp is that record's (below): its name.
 * timestamps, S − F in all:
 *   long     timestamp of record F + 1, epoch nanoseconds, then S − F − 1 times:
 *   varint   the next record's timestamp minus the previous one's (≥ 1: timestamps strictly increase)
 * products, one entry per product with a record in F + 1 to S, in no particular order:
 *   short    id length in UTF-8 bytes (1–512), then the id
 *   price    the new price of the product's last record ≤ S
 *   byte     1 if a previous price follows, 0 if that record was the product's first
 *   price    that record's previous price (only if the byte above is 1)
 *   varint   n, the number of the product's records in F + 1 to S (≥ 1)
 *   varint   the position (sequence − 1) of the first of them, then n − 1 times the next position minus the
 *            previous one (≥ 1). The last position gives the last record's sequence; the timestamps its time.
 *   or, n = 0 (version 3, in a base only): a product carried from before F + 1, whose records are all at or
 *            before F (archived or deleted); its last record follows:
 *   varint   that record's position (sequence − 1, below F)
 *   long     its timestamp, epoch nanoseconds
 * trailer:
 *   short    0 (no id is empty: this ends the products)
 *   int      the number of products (a check)
 *   int      CRC-32C of every byte before it
 * price:
 *   byte     scale (0–18)
 *   byte     length of the unscaled value, then the unscaled value as two's-complement big-endian bytes
 * varint:    unsigned LEB128: 7 bits a byte, least significant group first, high bit set on every byte but the last
 * </pre>
 * Deltas keep the file small (10 M records of 1 M products: 67 MiB for a base, 7 bytes a record, against 12 bytes
 * a record for the timestamps and positions alone as plain longs and ints).
 *
 * <h2>Restoring without a copy</h2>
 * {@link #restore} reads a part twice through one 1 MiB buffer ({@link SnapshotInput}): once for the checksum, so
 * that a torn or damaged part is refused before anything is restored from it, then entry by entry straight into
 * the {@link FileTable}, the {@link HistoryIndex} and the {@link ProductTable}. A start so needs no more heap than
 * the index it restores (with a whole decoded copy beside it, a start needed 2.7 times the live heap). It trusts
 * nothing: besides the magic, version, generation and checksum it checks that the files cover exactly records
 * F + 1 to S and that each of those records belongs to exactly one product.
 */
public final class IndexSnapshot {

    static final int VERSION = 3;
    /** The version before carried products: still read (it has none). */
    private static final int VERSION_WITHOUT_CARRIED = 2;
    private static final byte[] MAGIC = "RPRINDEX".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = MAGIC.length + 4 + 8 + 8 + 8 + 8 + 4 + 4;
    private static final int TRAILER_BYTES = 2 + 4 + 4;
    /** The most bytes a record's two prices take. */
    private static final int PRICES_BYTES = 2 * PriceCodec.MAX_BYTES + 1;

    private IndexSnapshot() {
    }

    /**
     * What a part's header says.
     *
     * @param generation         the chain's random number
     * @param previousSequence   F: the part continues a chain that ends here (for a base: the records before the
     *                           history's start)
     * @param lastSequence       S: the part covers records F + 1 to S
     * @param lastTimestampNanos the timestamp of record S
     * @param fileCount          results files holding records F + 1 to S
     * @param productCount       products with a record among them
     */
    public record Part(long generation, long previousSequence, long lastSequence, long lastTimestampNanos,
                       int fileCount, int productCount) {
    }

    /** The part's bytes cannot be trusted: damaged, truncated, foreign, or not the continuation expected. */
    static final class DamagedSnapshotException extends Exception {

        private final boolean indexTouched;

        DamagedSnapshotException(String message, boolean indexTouched) {
            super(message);
            this.indexTouched = indexTouched;
        }

        /** Whether the index was changed before the damage was found: then it has to be emptied again. */
        boolean indexTouched() {
            return indexTouched;
        }
    }

    // ------------------------------------------------------------------------------------------------ reading

    /**
     * Restores one part into the index, which must end exactly where the part begins (empty, for a base). The
     * recovery thread, before anyone reads.
     *
     * @param generation the chain's generation for a delta; ignored for a base, which starts a chain
     * @throws DamagedSnapshotException if the part cannot be trusted or does not continue the index; if
     *                                  {@link DamagedSnapshotException#indexTouched} the index is half restored
     */
    static Part restore(SnapshotInput in, boolean base, long generation, HistoryIndex index, FileTable files,
                        ProductTable products) throws IOException, DamagedSnapshotException {
        if (in.contentBytes() < HEADER_BYTES + TRAILER_BYTES - 4 || !in.checksumMatches()) {
            throw new DamagedSnapshotException(in.contentBytes() < HEADER_BYTES ? "too short" : "checksum mismatch",
                                               false);
        }
        Part part;
        try {
            part = header(in, base, generation, index.size());
        } catch (RuntimeException e) {
            throw new DamagedSnapshotException("malformed header: " + e, false);
        }
        try {
            if (base) {
                index.startAt(part.previousSequence() + 1);
                files.startAt(part.previousSequence() + 1);
            }
            restoreBody(in, part, index, files, products, base);
        } catch (RuntimeException e) {
            // A valid checksum over nonsense: a foreign or buggy writer. Never half-trust it.
            throw new DamagedSnapshotException("malformed content: " + e, true);
        }
        return part;
    }

    private static Part header(SnapshotInput in, boolean base, long expectedGeneration, long indexEnd)
            throws IOException, DamagedSnapshotException {
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new DamagedSnapshotException("not an index snapshot (wrong magic)", false);
        }
        int version = in.getInt();
        if (version != VERSION && version != VERSION_WITHOUT_CARRIED) {
            throw new DamagedSnapshotException("format version " + version + ", this program reads " + VERSION,
                                               false);
        }
        Part part = new Part(in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getInt(), in.getInt());
        long records = part.lastSequence() - part.previousSequence();
        if (!base && part.generation() != expectedGeneration) {
            throw new DamagedSnapshotException("belongs to another base", false);
        }
        if (base ? part.previousSequence() < 0 || indexEnd != 0 : part.previousSequence() != indexEnd) {
            throw new DamagedSnapshotException("continues sequence " + part.previousSequence()
                                               + ", the chain ends at " + indexEnd, false);
        }
        if (records < 1 || records >= Integer.MAX_VALUE || part.fileCount() < 1
            || part.fileCount() > records || part.productCount() < 0) {
            throw new DamagedSnapshotException("impossible header: records " + (part.previousSequence() + 1)
                                               + " to " + part.lastSequence() + " in " + part.fileCount()
                                               + " files", false);
        }
        return part;
    }

    private static void restoreBody(SnapshotInput in, Part part, HistoryIndex index, FileTable files,
                                    ProductTable products, boolean base) throws IOException {
        long from = part.previousSequence();
        int records = (int) (part.lastSequence() - from);
        long first = from + 1;
        for (int i = 0; i < part.fileCount(); i++) {
            int count = positiveInt(in.getVarint(), "file record count");
            files.add(first, count);
            first += count;
        }
        check(first == part.lastSequence() + 1, "the files do not end at the last sequence");
        long timestamp = in.getLong();
        check(base || timestamp > index.timestampOf(from), "the first timestamp does not follow the chain's");
        index.addTimestamp(from + 1, timestamp);
        for (long sequence = from + 2; sequence <= part.lastSequence(); sequence++) {
            long delta = in.getVarint();
            if (delta < 1) {
                throw damaged("timestamps do not increase at sequence " + sequence);
            }
            timestamp = Math.addExact(timestamp, delta);
            index.addTimestamp(sequence, timestamp);
        }
        check(timestamp == part.lastTimestampNanos(), "the last timestamp differs from the header's");
        if (base) {
            products.reserve(Math.min(part.productCount(), records));
        }
        BitSet covered = new BitSet(records);
        int restored = 0;
        for (int idLength = in.getShort(); idLength != 0; idLength = in.getShort()) {
            restoreProduct(in, idLength, from, records, covered, products, index, base);
            restored++;
        }
        check(in.getInt() == restored && in.atEnd(), "the trailer does not match the products");
        check(covered.cardinality() == records, "the products hold " + covered.cardinality() + " of " + records
                                                + " records");
    }

    /** One product entry, into its state in the table (added if the chain had no record of it yet). */
    private static void restoreProduct(SnapshotInput in, int idLength, long from, int records, BitSet covered,
                                       ProductTable products, HistoryIndex index, boolean base) throws IOException {
        if (idLength < 1 || idLength > ProductIdRule.MAX_UTF8_BYTES) {
            throw damaged("impossible product id length " + idLength);
        }
        byte[] id = new byte[idLength];
        in.get(id);
        try {
            StrictUtf8.decode(id);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a product id that is not UTF-8");
        }
        PriceCodec.Prices prices = PriceCodec.getPrices(in.ensure(PRICES_BYTES));
        long n = in.getVarint();
        if (n == 0) {
            restoreCarried(in, id, prices, from, products, base);
            return;
        }
        int count = positiveInt(n, "record count");
        check(count <= records, "a product with more records than the part");
        ProductState product = products.get(id);
        if (product == null) {
            product = new ProductState(id);
            products.add(product);
        }
        // A base names each product once, and a delta's positions all follow the chain's: a product's positions
        // only ever ascend.
        long floor = product.size() == 0 ? from : Math.max(from, product.sequenceAt(product.size() - 1));
        long[] position = {-1};
        product.restore(prices.newPrice(), prices.previousPrice(), count, () -> {
            try {
                long delta = in.getVarint();
                long next = position[0] < 0 ? delta : position[0] + delta;
                int offset = (int) (next - from);
                if ((position[0] >= 0 && delta < 1) || next < floor || next - from >= records
                    || covered.get(offset)) {
                    throw damaged("impossible or repeated record position " + next);
                }
                covered.set(offset);
                position[0] = next;
                return next + 1;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, index::timestampOf);
    }

    /** A carried product (n = 0): its last record is at or before F; it must be new to the table. */
    private static void restoreCarried(SnapshotInput in, byte[] id, PriceCodec.Prices prices, long from,
                                       ProductTable products, boolean base) throws IOException {
        long position = in.getVarint();
        long timestamp = in.getLong();
        check(base, "a carried product in a delta");
        check(position >= 0 && position < from, "a carried product after the part's start");
        check(products.get(id) == null, "a carried product named twice");
        ProductState product = new ProductState(id);
        products.add(product);
        product.restore(prices.newPrice(), prices.previousPrice(), 1, () -> position + 1, sequence -> timestamp);
    }

    // The checks below run for every record of a restore: a message is built only when a check fails (building
    // it eagerly took a third of a 10 M-record restore, in Long.toString).
    private static void check(boolean condition, String problem) {
        if (!condition) {
            throw damaged(problem);
        }
    }

    private static IllegalArgumentException damaged(String problem) {
        return new IllegalArgumentException(problem);
    }

    private static int positiveInt(long value, String what) {
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw damaged("impossible " + what + " " + value);
        }
        return (int) value;
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * Writes a part in the order of the format above, straight from the live index (no copy of it): header,
     * then each file count, each timestamp, each product, then {@link #finish}. Bytes go out in 1 MiB chunks; the
     * checksum runs along.
     */
    public static final class Encoder {

        private static final int CHUNK_BYTES = 1 << 20;
        /** Room for the largest single item (a product entry without its positions) before a flush. */
        private static final int ITEM_BYTES = 2 + ProductIdRule.MAX_UTF8_BYTES + PRICES_BYTES + 10;

        private final WritableByteChannel out;
        private final BooleanSupplier cancelled;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_BYTES);
        private final CRC32C crc = new CRC32C();
        private long written;
        private long previousTimestamp;
        private long timestampCount;
        private int productCount;

        /**
         * @param header    the part's header; its product count is only the sizing hint
         * @param cancelled checked at every chunk: once true, writing stops with an {@link IOException}
         */
        Encoder(WritableByteChannel out, BooleanSupplier cancelled, Part header) {
            this.out = out;
            this.cancelled = cancelled;
            buffer.put(MAGIC).putInt(VERSION).putLong(header.generation()).putLong(header.previousSequence())
                  .putLong(header.lastSequence()).putLong(header.lastTimestampNanos()).putInt(header.fileCount())
                  .putInt(header.productCount());
        }

        public void fileRecordCount(int count) throws IOException {
            room(10);
            putVarint(count);
        }

        /** Timestamps in sequence order, from record F + 1. */
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
         * @param from       the index of its first record after F
         * @param count      how many of its records are in F + 1 to S
         * @param sequenceAt its i-th record's sequence, ascending, for i from {@code from} below {@code from + count}
         */
        void product(PriceRecord last, int from, int count, IntToLongFunction sequenceAt) throws IOException {
            byte[] id = last.productId().getBytes(StandardCharsets.UTF_8);
            room(ITEM_BYTES);
            buffer.putShort((short) id.length).put(id);
            PriceCodec.putPrices(buffer, last.newPrice(), last.previousPrice());
            putVarint(count);
            long previous = 0;
            for (int i = from; i < from + count; i++) {
                long position = sequenceAt.applyAsLong(i) - 1;
                room(10);
                putVarint(position - previous);
                previous = position;
            }
            productCount++;
        }

        /** A product whose records are all at or before F, with its last record (a base only, after the others). */
        void carried(PriceRecord last) throws IOException {
            byte[] id = last.productId().getBytes(StandardCharsets.UTF_8);
            room(ITEM_BYTES + 8);
            buffer.putShort((short) id.length).put(id);
            PriceCodec.putPrices(buffer, last.newPrice(), last.previousPrice());
            putVarint(0);
            putVarint(last.sequence() - 1);
            buffer.putLong(last.timestampNanos());
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

        /** Products written so far. */
        int productCount() {
            return productCount;
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
