package com.repricer.storage.archive;

import com.repricer.storage.results.ResultsFileName;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The index of one archive segment ({@code <name>.idx} beside {@code <name>.tar.gz}): where each gzip member lies
 * and which records it holds, and in which results files each product appears. It is read at positions
 * ({@link ByteSource}), never loaded whole: a lookup reads the 64-byte header once, then a few fixed-width table
 * entries by binary search.
 *
 * <p>Layout, big-endian, in this order:
 *
 * <pre>
 * Header (64 bytes)
 *    0   8  magic "RPARCIDX"
 *    8   4  format version (1)
 *   12   4  F: results files in the segment (at least 1)
 *   16   8  S: sequence number of the segment's first record
 *   24   4  R: records in the segment
 *   28   4  M: gzip members in the segment
 *   32   4  P: (product key, file) pairs
 *   36   4  B: posting blocks
 *   40   4  K: bits of a product key (12 to 40)
 *   44   4  L: length of the postings in bytes
 *   48   8  D: length of the segment ({@code .tar.gz}) in bytes
 *   56   4  CRC-32C of the whole segment ({@code .tar.gz})
 *   60   4  CRC-32C of header bytes 0..59
 * Members (M × 28 bytes): one per gzip member, in segment order
 *    0   8  offset of the member in the segment
 *    8   4  its compressed length (gzip header and trailer included)
 *   12   4  ordinal of its first results file (files are numbered 0..F−1 in sequence order); a member holds whole
 *           files, up to the next member's first
 *   16   4  sequence of its first record − S
 *   20   8  timestamp of its first record, epoch nanoseconds
 * Posting blocks (B × 12 bytes)
 *    0   8  first product key in the block
 *    8   4  offset of the block in the postings
 * Postings (L bytes): the P pairs (key, file ordinal), one for each product and results file it appears in,
 *   sorted by key then file, cut into blocks of 64 pairs. A block starts with its first pair as two unsigned
 *   LEB128 varints (key, file); each further pair is varint(key − previous key), varint(file).
 * Trailer (4 bytes): CRC-32C of every byte before it.
 * </pre>
 *
 * There is no table of files: a file is found in its member, which is inflated to read it anyway, by walking the
 * member's tar headers, whose names carry each file's first sequence, first timestamp and count
 * ({@link ArchiveSegmentReader}). That walk costs microseconds beside the inflation, and saves 16 bytes a file
 * (up to 2 bytes a record) on disk.
 *
 * <p>A product key is the top K bits of {@code fmix64(FNV-1a-64(UTF-8 bytes of the id))}, K about log2(P) + 4, so
 * that a lookup meets a foreign product in about one lookup in 16: a key only names candidate files, and the
 * reader keeps the records whose id is the one asked for (a hash collision costs a file read, never a wrong
 * answer). The postings cost about 3 bytes a record: a one-byte key gap and a two-byte file ordinal.
 *
 * <p>Lengths are checked at open (a truncated index is reported with the expected and actual length), the header
 * CRC at open, the whole-file CRC by {@link #verify()} (after a write, after a download).
 */
public final class SegmentIndex {

    static final byte[] MAGIC = "RPARCIDX".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_BYTES = 64;
    static final int MEMBER_BYTES = 28;
    static final int BLOCK_BYTES = 12;
    static final int TRAILER_BYTES = 4;
    static final int PAIRS_PER_BLOCK = 64;
    private static final int MIN_KEY_BITS = 12;
    private static final int MAX_KEY_BITS = 40;
    /** Key bits beyond log2(pairs): about one foreign candidate in 2^4 lookups. */
    private static final int SPARE_KEY_BITS = 4;
    private static final int VERIFY_CHUNK = 1 << 20;

    private final String name;
    private final ByteSource source;
    private final int fileCount;
    private final long firstSequence;
    private final int recordCount;
    private final int memberCount;
    private final int blockCount;
    private final int keyBits;
    private final int postingsLength;
    private final long dataLength;
    private final int dataCrc;

    private SegmentIndex(String name, ByteSource source, ByteBuffer header) {
        this.name = name;
        this.source = source;
        this.fileCount = header.getInt(12);
        this.firstSequence = header.getLong(16);
        this.recordCount = header.getInt(24);
        this.memberCount = header.getInt(28);
        this.blockCount = header.getInt(36);
        this.keyBits = header.getInt(40);
        this.postingsLength = header.getInt(44);
        this.dataLength = header.getLong(48);
        this.dataCrc = header.getInt(56);
    }

    /**
     * Reads and checks the header of the index in {@code source}.
     *
     * @param name what to call it in messages (its blob or file name)
     * @throws CorruptSegmentException if it is not an index of this format, truncated or its header is damaged
     */
    public static SegmentIndex open(String name, ByteSource source) throws IOException {
        if (source.size() < HEADER_BYTES + TRAILER_BYTES) {
            throw new CorruptSegmentException("Index " + name + " is truncated. Expected at least "
                                              + (HEADER_BYTES + TRAILER_BYTES) + " bytes, actual: " + source.size());
        }
        ByteBuffer header = ByteBuffer.wrap(source.read(0, HEADER_BYTES));
        if (!Arrays.equals(Arrays.copyOf(header.array(), MAGIC.length), MAGIC)) {
            throw new CorruptSegmentException("Index " + name + " does not start with " + new String(MAGIC, StandardCharsets.US_ASCII));
        }
        if (header.getInt(8) != VERSION) {
            throw new CorruptSegmentException("Index " + name + " has format version " + header.getInt(8)
                                              + ", this build reads " + VERSION);
        }
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_BYTES - 4);
        if ((int) crc.getValue() != header.getInt(HEADER_BYTES - 4)) {
            throw new CorruptSegmentException("Index " + name + " has a damaged header: CRC-32C "
                                              + Integer.toHexString((int) crc.getValue()) + ", stored "
                                              + Integer.toHexString(header.getInt(HEADER_BYTES - 4)));
        }
        SegmentIndex index = new SegmentIndex(name, source, header);
        if (source.size() != index.expectedLength()) {
            throw new CorruptSegmentException("Index " + name + " is truncated or has trailing bytes. Expected length: "
                                              + index.expectedLength() + ", actual: " + source.size());
        }
        return index;
    }

    private long expectedLength() {
        return postingsStart() + postingsLength + TRAILER_BYTES;
    }

    private long membersStart() {
        return HEADER_BYTES;
    }

    private long blocksStart() {
        return membersStart() + (long) memberCount * MEMBER_BYTES;
    }

    private long postingsStart() {
        return blocksStart() + (long) blockCount * BLOCK_BYTES;
    }

    /** Reads the whole index once and checks its trailing CRC-32C; holds one chunk at a time. */
    public void verify() throws IOException {
        CRC32C crc = new CRC32C();
        long end = source.size() - TRAILER_BYTES;
        for (long at = 0; at < end; at += VERIFY_CHUNK) {
            crc.update(source.read(at, (int) Math.min(VERIFY_CHUNK, end - at)));
        }
        int stored = ByteBuffer.wrap(source.read(end, TRAILER_BYTES)).getInt();
        if ((int) crc.getValue() != stored) {
            throw new CorruptSegmentException("Index " + name + " is damaged: CRC-32C " + Integer.toHexString((int) crc.getValue())
                                              + ", stored " + Integer.toHexString(stored));
        }
    }

    public int fileCount() {
        return fileCount;
    }

    /** Closes the source it reads. */
    public void close() throws IOException {
        source.close();
    }

    public long firstSequence() {
        return firstSequence;
    }

    public int recordCount() {
        return recordCount;
    }

    public long lastSequence() {
        return firstSequence + recordCount - 1;
    }

    public int memberCount() {
        return memberCount;
    }

    /** Length of the segment ({@code .tar.gz}) this index was written with. */
    public long dataLength() {
        return dataLength;
    }

    /** CRC-32C of the whole segment ({@code .tar.gz}) this index was written with. */
    public int dataCrc() {
        return dataCrc;
    }

    /** Gzip member {@code ordinal} (0-based, in segment order): where it lies and what it holds. */
    public Member member(int ordinal) throws IOException {
        if (ordinal < 0 || ordinal >= memberCount) {
            throw new IndexOutOfBoundsException("member " + ordinal + " of " + memberCount);
        }
        boolean last = ordinal == memberCount - 1;
        ByteBuffer entry = ByteBuffer.wrap(source.read(membersStart() + (long) ordinal * MEMBER_BYTES,
                                                       last ? MEMBER_BYTES : MEMBER_BYTES + 20));
        int firstFile = entry.getInt(12);
        int nextFile = last ? fileCount : entry.getInt(MEMBER_BYTES + 12);
        long firstRecord = firstSequence + entry.getInt(16);
        long nextRecord = last ? firstSequence + recordCount : firstSequence + entry.getInt(MEMBER_BYTES + 16);
        if (nextFile <= firstFile || nextRecord <= firstRecord) {
            throw new CorruptSegmentException("Index " + name + ": member " + ordinal + " holds no file (files "
                                              + firstFile + ".." + nextFile + ", records " + firstRecord + ".." + nextRecord + ")");
        }
        return new Member(ordinal, entry.getLong(0), entry.getInt(8), firstFile, nextFile - firstFile, firstRecord,
                          Math.toIntExact(nextRecord - firstRecord), entry.getLong(20));
    }

    /** The member holding results file {@code file} (0-based, in sequence order). */
    public int memberOfFile(int file) throws IOException {
        if (file < 0 || file >= fileCount) {
            throw new IndexOutOfBoundsException("file " + file + " of " + fileCount);
        }
        return lastMemberWhere(12, file);
    }

    /** The member holding record {@code sequence}, which must lie in this segment. */
    public int memberOfSequence(long sequence) throws IOException {
        if (sequence < firstSequence || sequence > lastSequence()) {
            throw new IndexOutOfBoundsException("sequence " + sequence + " is not in " + firstSequence + ".." + lastSequence());
        }
        return lastMemberWhere(16, (int) (sequence - firstSequence));
    }

    /** The last member whose int field at {@code field} is at or below {@code value} (fields ascend by member). */
    private int lastMemberWhere(int field, int value) throws IOException {
        int low = 0;
        int high = memberCount - 1;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (intAt(membersStart() + (long) middle * MEMBER_BYTES + field) <= value) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        return low;
    }

    /**
     * The last member whose first record is at or before {@code timestampNanos}, or -1 if the segment's first
     * record is later. The first record at or after the instant is in that member or is the next member's first.
     */
    public int lastMemberStartingAtOrBefore(long timestampNanos) throws IOException {
        int low = -1;
        int high = memberCount - 1;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (longAt(membersStart() + (long) middle * MEMBER_BYTES + 20) <= timestampNanos) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        return low;
    }

    /**
     * The ordinals of the files (ascending, each once) that may hold records of {@code productId}: every file
     * that does, and rarely one of another product with the same key. Reads O(log B) block entries and the
     * blocks holding the key.
     */
    public int[] candidateFiles(String productId) throws IOException {
        long key = productKey(productId, keyBits);
        // The first block whose first key is >= key; the key's pairs may begin at the end of the block before it.
        int low = 0;
        int high = blockCount;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (longAt(blocksStart() + (long) middle * BLOCK_BYTES) < key) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        int[] files = new int[4];
        int found = 0;
        for (int block = Math.max(0, low - 1); block < blockCount; block++) {
            long blockStart = intAt(blocksStart() + (long) block * BLOCK_BYTES + 8);
            long blockEnd = block + 1 < blockCount ? intAt(blocksStart() + (long) (block + 1) * BLOCK_BYTES + 8) : postingsLength;
            ByteBuffer pairs = ByteBuffer.wrap(source.read(postingsStart() + blockStart, (int) (blockEnd - blockStart)));
            long pairKey = 0;
            boolean first = true;
            while (pairs.hasRemaining()) {
                pairKey = first ? readVarint(pairs) : pairKey + readVarint(pairs);
                first = false;
                int file = (int) readVarint(pairs);
                if (pairKey > key) {
                    return Arrays.copyOf(files, found);
                }
                if (pairKey == key) {
                    if (found == files.length) {
                        files = Arrays.copyOf(files, found * 2);
                    }
                    files[found++] = file;
                }
            }
        }
        return Arrays.copyOf(files, found);
    }

    private int intAt(long position) throws IOException {
        return ByteBuffer.wrap(source.read(position, 4)).getInt();
    }

    private long longAt(long position) throws IOException {
        return ByteBuffer.wrap(source.read(position, 8)).getLong();
    }

    /** The top {@code bits} bits of fmix64(FNV-1a-64(UTF-8 of the id)): stable across versions, it is on disk. */
    static long productKey(String productId, int bits) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : productId.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        // MurmurHash3's finaliser: FNV-1a alone leaves the high bits of short ids poorly mixed.
        hash ^= hash >>> 33;
        hash *= 0xff51afd7ed558ccdL;
        hash ^= hash >>> 33;
        hash *= 0xc4ceb9fe1a85ec53L;
        hash ^= hash >>> 33;
        return hash >>> (64 - bits);
    }

    static int keyBitsFor(long pairs) {
        int log2 = 64 - Long.numberOfLeadingZeros(Math.max(1, pairs - 1));
        return Math.clamp(log2 + SPARE_KEY_BITS, MIN_KEY_BITS, MAX_KEY_BITS);
    }

    private static long readVarint(ByteBuffer in) throws CorruptSegmentException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!in.hasRemaining()) {
                throw new CorruptSegmentException("a posting block ends inside a number");
            }
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new CorruptSegmentException("a posting number is longer than 64 bits");
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    /**
     * One gzip member: where it lies in the segment and which files and records it holds.
     *
     * @param firstFile   ordinal of its first results file
     * @param fileCount   how many files it holds
     * @param firstRecord sequence of its first record
     */
    public record Member(int ordinal, long offset, int length, int firstFile, int fileCount, long firstRecord,
                         int recordCount, long firstTimestampNanos) {
    }

    /**
     * Collects an index while its segment is written, then writes it in one go. Holds 12 bytes per (product,
     * file) pair until then, 20 while sorting them: the segment's length bounds it (see docs/archive.md).
     */
    static final class Builder {

        private long firstSequence = -1;
        private long nextSequence;
        private int files;
        private final ByteArrayOutputStream members = new ByteArrayOutputStream();
        private int memberCount;
        private int memberFirstFile;
        private long memberFirstSequence;
        private long memberFirstTimestamp;
        /** Product ids' full 64-bit hashes and their files, packed later once the key width is known. */
        private long[] pairHash = new long[4096];
        private int[] pairFile = new int[4096];
        private int pairs;

        /** Adds the next results file (into the current member) and the distinct products in it. */
        void addFile(ResultsFileName fileName, Iterable<String> productIds) {
            if (firstSequence < 0) {
                firstSequence = fileName.firstSequence();
                nextSequence = firstSequence;
            }
            if (fileName.firstSequence() != nextSequence) {
                throw new IllegalArgumentException("results files must follow each other: expected sequence "
                                                   + nextSequence + ", got " + fileName);
            }
            if (files == memberFirstFile) {
                memberFirstSequence = fileName.firstSequence();
                memberFirstTimestamp = fileName.firstTimestampNanos();
            }
            nextSequence += fileName.recordCount();
            for (String productId : productIds) {
                if (pairs == pairHash.length) {
                    pairHash = Arrays.copyOf(pairHash, pairs * 2);
                    pairFile = Arrays.copyOf(pairFile, pairs * 2);
                }
                pairHash[pairs] = productKey(productId, 64);
                pairFile[pairs] = files;
                pairs++;
            }
            files++;
        }

        /** Ends the current member, at {@code offset} of {@code length} compressed bytes; it holds at least one file. */
        void addMember(long offset, int length) {
            if (files == memberFirstFile) {
                throw new IllegalStateException("a member holds at least one results file");
            }
            ByteBuffer entry = ByteBuffer.allocate(MEMBER_BYTES).putLong(offset).putInt(length).putInt(memberFirstFile)
                                         .putInt(Math.toIntExact(memberFirstSequence - firstSequence))
                                         .putLong(memberFirstTimestamp);
            members.writeBytes(entry.array());
            memberCount++;
            memberFirstFile = files;
        }

        int fileCount() {
            return files;
        }

        long firstSequence() {
            return firstSequence;
        }

        long recordCount() {
            return nextSequence - firstSequence;
        }

        /** Writes the index of a segment of {@code dataLength} bytes with CRC-32C {@code dataCrc}. */
        void writeTo(OutputStream out, long dataLength, int dataCrc) throws IOException {
            if (files == 0) {
                throw new IllegalStateException("a segment holds at least one results file");
            }
            int keyBits = keyBitsFor(pairs);
            int fileBits = 32 - Integer.numberOfLeadingZeros(Math.max(1, files - 1));
            if (keyBits + fileBits > 63) {
                throw new IllegalStateException("too many files for one segment: " + files);
            }
            // (key, file) packed in one long: sorting the longs sorts by key, then file; equal longs are one pair.
            long[] packed = new long[pairs];
            for (int i = 0; i < pairs; i++) {
                packed[i] = (pairHash[i] >>> (64 - keyBits)) << fileBits | pairFile[i];
            }
            Arrays.sort(packed);
            ByteArrayOutputStream postings = new ByteArrayOutputStream(pairs * 4);
            ByteArrayOutputStream blocks = new ByteArrayOutputStream();
            int distinct = 0;
            long previousKey = 0;
            for (int i = 0; i < pairs; i++) {
                if (i > 0 && packed[i] == packed[i - 1]) {
                    continue;
                }
                long key = packed[i] >>> fileBits;
                long file = packed[i] & ((1L << fileBits) - 1);
                if (distinct % PAIRS_PER_BLOCK == 0) {
                    blocks.writeBytes(ByteBuffer.allocate(BLOCK_BYTES).putLong(key).putInt(postings.size()).array());
                    writeVarint(postings, key);
                } else {
                    writeVarint(postings, key - previousKey);
                }
                writeVarint(postings, file);
                previousKey = key;
                distinct++;
            }
            int blockCount = (distinct + PAIRS_PER_BLOCK - 1) / PAIRS_PER_BLOCK;

            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            header.put(MAGIC).putInt(VERSION).putInt(files).putLong(firstSequence)
                  .putInt(Math.toIntExact(recordCount())).putInt(memberCount).putInt(distinct).putInt(blockCount)
                  .putInt(keyBits).putInt(postings.size()).putLong(dataLength).putInt(dataCrc);
            CRC32C headerCrc = new CRC32C();
            headerCrc.update(header.array(), 0, HEADER_BYTES - 4);
            header.putInt((int) headerCrc.getValue());

            CRC32C crc = new CRC32C();
            for (byte[] section : new byte[][] {header.array(), members.toByteArray(), blocks.toByteArray(),
                                                postings.toByteArray()}) {
                crc.update(section);
                out.write(section);
            }
            out.write(ByteBuffer.allocate(TRAILER_BYTES).putInt((int) crc.getValue()).array());
        }
    }
}
