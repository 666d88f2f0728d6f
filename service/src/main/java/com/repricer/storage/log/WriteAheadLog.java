package com.repricer.storage.log;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.fs.Directories;
import com.repricer.storage.fs.StorageFiles;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The write-ahead log: every record is here, fsync'ed, before it is acknowledged, and stays here until the
 * results file holding it has been fsync'ed too.
 *
 * <h2>On-disk format</h2>
 * The log is a folder of segment files named after the sequence number of their first record, zero-padded to 19
 * digits ({@code 0000000000000000001.wal}), so that name order is sequence order. A segment is a run of entries:
 * <pre>
 * int   payload length in bytes (big-endian)
 * int   CRC-32C of the payload
 * payload:
 *   long   sequence
 *   long   timestamp, epoch nanoseconds
 *   short  product id length in bytes, then the product id in UTF-8
 *   prices new price and previous price ({@link PriceCodec})
 *   [byte   length of the request's Idempotency-Key (1–255), then the key in ASCII; absent if it had none]
 * price:
 *   byte   scale (0–18)
 *   byte   length of the unscaled value, then the unscaled value as two's-complement big-endian bytes
 * </pre>
 * An entry is committed once the fsync that follows its write returns. A crash can leave the last segment with a
 * torn tail (a short entry, a bad checksum, an entry's bytes among zeros): such an entry was never acknowledged, so
 * reading stops there and the tail is cut off. Anything wrong before the last segment's tail is corruption and stops the start-up.
 *
 * <h2>Zeros written ahead</h2>
 * The current segment is filled with zeros about {@link #PREALLOCATED_BYTES} ahead of its last entry, and that
 * length is made durable ({@code fsync}) before entries are written over the zeros. Each commit is then an
 * {@code fdatasync} that changes no metadata (neither the size nor the blocks): on ext4 it flushes the data
 * without waiting for a journal commit, which would carry every other file's creations, renames and deletions
 * with it (the results files, the archive's moves). So any segment may end in zeros past its last entry (a rolled
 * segment keeps them): zeros to the end of a segment are room that was never used, not damage, and the next entry
 * after a restart is written over the last segment's.
 *
 * <p>Appends, syncs and rolls are made by one thread (the group-commit writer); trimming may come from another,
 * so the segment table is guarded by this object's monitor.
 */
public final class WriteAheadLog implements AutoCloseable {

    public static final String SUFFIX = ".wal";
    private static final Logger LOG = Logger.getLogger(WriteAheadLog.class.getName());
    private static final int HEADER_BYTES = 8;
    /** Larger than any valid payload (a 512-byte id, two prices, a key): a length beyond it is garbage. */
    private static final int MAX_PAYLOAD_BYTES = 1024;
    /** How far ahead of the last entry zeros are written: one extra fsync per this many bytes of entries. */
    private static final int PREALLOCATED_BYTES = 1 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    private final Path directory;
    private final StorageFiles files;
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private FileChannel current;
    private long durableSize;
    /** Where the zeros written ahead in the current segment end (its durable length, as far as is known). */
    private long zeroedUpTo;
    /** Where the last segment's entries ended on opening (the zeros written ahead, if any, follow): continueAt. */
    private long lastSegmentEntriesEnd;
    /** One past the last record the segments showed on opening (their records, else the last one's name); 0 if none. */
    private long nextSequenceOnOpen;

    private WriteAheadLog(Path directory, StorageFiles files) {
        this.directory = directory;
        this.files = files;
    }

    /** The records found on opening, those that came with an idempotency key, and the log ready to append. */
    public record Opened(WriteAheadLog log, List<PriceRecord> records, List<KeyedRecord> keyed) {
    }

    /** A record and the {@code Idempotency-Key} of the request that made it. */
    public record KeyedRecord(String key, PriceRecord record) {
    }

    /** Runs before trimming deletes a segment; if it fails, nothing is deleted. */
    public interface BeforeTrim {
        void run() throws IOException;
    }

    /**
     * Opens the log in {@code directory}, reads every entry and cuts a torn tail off the last segment.
     *
     * @throws CorruptLogException if an entry before the last segment's tail is damaged, or sequences skip
     */
    public static Opened open(Path directory, StorageFiles files) throws IOException {
        Files.createDirectories(directory);
        WriteAheadLog log = new WriteAheadLog(directory, files);
        try (Stream<Path> listed = Files.list(directory)) {
            listed.filter(f -> f.getFileName().toString().endsWith(SUFFIX))
                 .forEach(f -> log.segments.put(firstSequenceOf(f), f));
        }
        List<PriceRecord> records = new ArrayList<>();
        List<KeyedRecord> keyed = new ArrayList<>();
        for (Map.Entry<Long, Path> segment : log.segments.entrySet()) {
            boolean last = segment.getKey().equals(log.segments.lastKey());
            int entriesEnd = log.readSegment(segment.getValue(), last, records, keyed);
            if (last) {
                log.lastSegmentEntriesEnd = entriesEnd;
            }
        }
        if (!log.segments.isEmpty()) {
            log.nextSequenceOnOpen = records.isEmpty() ? log.segments.lastKey() : records.getLast().sequence() + 1;
        }
        return new Opened(log, records, keyed);
    }

    private static long firstSequenceOf(Path segment) {
        String name = segment.getFileName().toString();
        try {
            return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            throw new CorruptLogException("not a log segment name: " + segment);
        }
    }

    /** @return where the segment's entries end: at its length, or where zeros written ahead or a cut tail start */
    private int readSegment(Path segment, boolean last, List<PriceRecord> records, List<KeyedRecord> keyed)
            throws IOException {
        ByteBuffer content = ByteBuffer.wrap(Files.readAllBytes(segment));
        long expected = records.isEmpty() ? firstSequenceOf(segment) : records.getLast().sequence() + 1;
        while (content.hasRemaining()) {
            int start = content.position();
            String damage = entryDamage(content);
            if (damage == null) {
                KeyedRecord entry = decodePayload(content.slice(start + HEADER_BYTES, content.getInt(start)));
                PriceRecord record = entry.record();
                if (record.sequence() != expected) {
                    throw new CorruptLogException(segment + " at offset " + start + ": expected sequence "
                                                  + expected + ", found " + record.sequence());
                }
                records.add(record);
                if (entry.key() != null) {
                    keyed.add(entry);
                }
                expected++;
                content.position(start + HEADER_BYTES + content.getInt(start));
                continue;
            }
            if (zerosFrom(content, start)) {
                return start; // room written ahead and never used: the last segment's next entry goes there
            }
            if (!last) {
                throw new CorruptLogException(segment + " is damaged at offset " + start + ": " + damage);
            }
            int dropped = content.limit() - start;
            LOG.warning(() -> "Log " + segment + ": dropping " + dropped + " bytes from offset " + start + " ("
                              + damage + "); this write was never acknowledged");
            try (FileChannel channel = files.open(segment, StandardOpenOption.WRITE)) {
                channel.truncate(start);
                channel.force(true);
            }
            return start;
        }
        return content.limit();
    }

    private static boolean zerosFrom(ByteBuffer content, int start) {
        for (int i = start; i < content.limit(); i++) {
            if (content.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** @return why the entry at the buffer's position is unreadable, or {@code null} if it is intact */
    private static String entryDamage(ByteBuffer content) {
        int start = content.position();
        if (content.remaining() < HEADER_BYTES) {
            return "torn entry header";
        }
        int length = content.getInt(start);
        if (length <= 0 || length > MAX_PAYLOAD_BYTES) {
            return "impossible entry length " + length;
        }
        if (content.remaining() < HEADER_BYTES + length) {
            return "entry is truncated: expected " + length + " payload bytes, found "
                   + (content.remaining() - HEADER_BYTES);
        }
        CRC32C crc = new CRC32C();
        crc.update(content.slice(start + HEADER_BYTES, length));
        if ((int) crc.getValue() != content.getInt(start + 4)) {
            return "checksum mismatch";
        }
        return null;
    }

    /**
     * Reads a whole file of entries that was written in one piece and renamed into place (no torn tail is
     * possible): any damage is corruption.
     */
    public static List<KeyedRecord> readEntries(Path file) throws IOException {
        ByteBuffer content = ByteBuffer.wrap(Files.readAllBytes(file));
        List<KeyedRecord> entries = new ArrayList<>();
        while (content.hasRemaining()) {
            int start = content.position();
            String damage = entryDamage(content);
            if (damage != null) {
                throw new CorruptLogException(file + " is damaged at offset " + start + ": " + damage);
            }
            entries.add(decodePayload(content.slice(start + HEADER_BYTES, content.getInt(start))));
            content.position(start + HEADER_BYTES + content.getInt(start));
        }
        return entries;
    }

    /** Appends one entry for {@code record} to {@code buffer}, which must have room for it. */
    public static void encode(PriceRecord record, ByteBuffer buffer) {
        encode(record, null, buffer);
    }

    /**
     * Appends one entry for {@code record}, made by a request with the given idempotency key (1–255 ASCII
     * characters, or {@code null}), to {@code buffer}, which must have room for it.
     */
    public static void encode(PriceRecord record, String idempotencyKey, ByteBuffer buffer) {
        int start = buffer.position();
        buffer.position(start + HEADER_BYTES);
        buffer.putLong(record.sequence()).putLong(record.timestampNanos());
        byte[] id = record.productId().getBytes(StandardCharsets.UTF_8);
        buffer.putShort((short) id.length).put(id);
        PriceCodec.putPrices(buffer, record.newPrice(), record.previousPrice());
        if (idempotencyKey != null) {
            byte[] key = idempotencyKey.getBytes(StandardCharsets.US_ASCII);
            buffer.put((byte) key.length).put(key);
        }
        int length = buffer.position() - start - HEADER_BYTES;
        CRC32C crc = new CRC32C();
        crc.update(buffer.slice(start + HEADER_BYTES, length));
        buffer.putInt(start, length).putInt(start + 4, (int) crc.getValue());
    }

    /** An upper bound of an entry's size, to size buffers. */
    public static int maxEntryBytes() {
        return HEADER_BYTES + MAX_PAYLOAD_BYTES;
    }


    private static KeyedRecord decodePayload(ByteBuffer payload) {
        long sequence = payload.getLong();
        long timestamp = payload.getLong();
        byte[] id = new byte[payload.getShort()];
        payload.get(id);
        PriceCodec.Prices prices = PriceCodec.getPrices(payload);
        String key = null;
        if (payload.hasRemaining()) {
            byte[] keyBytes = new byte[Byte.toUnsignedInt(payload.get())];
            payload.get(keyBytes);
            key = new String(keyBytes, StandardCharsets.US_ASCII);
        }
        PriceRecord record = new PriceRecord(sequence, new String(id, StandardCharsets.UTF_8), prices.previousPrice(),
                                             prices.newPrice(), timestamp);
        return new KeyedRecord(key, record);
    }

    private static BigDecimal getPrice(ByteBuffer payload) {
        int scale = payload.get();
        byte[] unscaled = new byte[payload.get()];
        payload.get(unscaled);
        return new BigDecimal(new BigInteger(unscaled), scale);
    }

    /**
     * The sequence the history had reached when the log was opened, as its segments show it: one past their last
     * record, or, if they hold none, the name of the last one (a segment is named after the next sequence when it
     * is started). 0 if there was no segment. Recovery checks that the results files reach that far: a log
     * trimmed after the files were fsync'ed still tells how many records there were.
     */
    public long nextSequenceOnOpen() {
        return nextSequenceOnOpen;
    }

    /**
     * After recovery: appends from here on, keeping the segments read on opening (their records go on being
     * trimmed as the results files holding them are fsync'ed). Appends to the last segment if it ends just before
     * {@code nextSequence}, over the zeros written ahead in it if any, which needs no new file: a start on a full
     * disk can still open the log (and write there while those zeros last). Otherwise starts a new segment.
     */
    public synchronized void continueAt(long nextSequence) throws IOException {
        closeCurrent();
        if (!segments.isEmpty() && nextSequenceOnOpen == nextSequence) {
            FileChannel channel = files.open(segments.lastEntry().getValue(), StandardOpenOption.WRITE);
            try {
                channel.position(lastSegmentEntriesEnd);
                zeroedUpTo = channel.size();
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            current = channel;
            durableSize = lastSegmentEntriesEnd;
            return;
        }
        startSegment(nextSequence);
    }

    /**
     * Drops every segment and starts an empty one whose first record will be {@code nextSequence}: once every
     * record is in an fsync'ed results file, at a clean shutdown. An empty log is what tells the next start that
     * the shutdown was clean.
     */
    public synchronized void restartAt(long nextSequence) throws IOException {
        closeCurrent();
        for (Path segment : segments.values()) {
            Files.deleteIfExists(segment);
        }
        segments.clear();
        startSegment(nextSequence);
    }

    /** Closes the current segment and starts a new one whose first record will be {@code nextSequence}. */
    public synchronized void roll(long nextSequence) throws IOException {
        FileChannel previous = current;
        try {
            startSegment(nextSequence);
        } finally {
            // If the new segment could not be opened, the previous one stays current. If only the folder fsync
            // failed, the new one is current already and the previous one must be closed all the same.
            if (current != previous) {
                previous.close();
            }
        }
    }

    private void startSegment(long nextSequence) throws IOException {
        Path segment = directory.resolve(String.format("%019d%s", nextSequence, SUFFIX));
        FileChannel channel = files.open(segment, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            channel.truncate(0);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        current = channel;
        durableSize = 0;
        zeroedUpTo = 0;
        segments.put(nextSequence, segment);
        // The new name must be durable before an entry in it is acknowledged; if this fails, the writer refuses
        // work until syncDirectory() succeeds (see GroupCommitWriter.probe).
        syncDirectory();
    }

    /** Makes the segment names durable. */
    public void syncDirectory() throws IOException {
        Directories.fsync(files, directory);
    }

    /** Writes the buffer's remaining bytes at the end of the current segment (not yet durable). */
    public void append(ByteBuffer entries) throws IOException {
        while (entries.hasRemaining()) {
            current.write(entries);
        }
    }

    /** The commit point: once this returns, everything appended so far survives a crash. */
    public void sync() throws IOException {
        current.force(false);
        durableSize = current.position();
    }

    /**
     * Writes zeros ahead of the last entry, up to {@link #PREALLOCATED_BYTES} past it, and makes that length
     * durable, when fewer than half of that are left (see the class comment). Not needed for correctness: if it
     * fails (a full disk), entries go on extending the file, and their writes report the failure if they fail too.
     */
    public void writeZerosAhead() {
        if (zeroedUpTo - durableSize >= PREALLOCATED_BYTES / 2) {
            return;
        }
        long end = durableSize + PREALLOCATED_BYTES;
        try {
            for (long at = Math.max(zeroedUpTo, durableSize); at < end; ) {
                at += current.write(ZEROS.duplicate().limit((int) Math.min(ZEROS.capacity(), end - at)), at);
            }
            current.force(true);
            zeroedUpTo = end;
        } catch (IOException e) {
            LOG.fine(() -> "Cannot write zeros ahead in the log (" + e + "); entries extend the file instead");
        }
    }

    /**
     * Cuts off whatever was appended since the last successful sync, after a failed write or sync: those entries
     * were refused, and must not come back after a crash. The zeros written ahead go with them. If nothing was
     * appended (the probe of a failing disk), the zeros stay: cutting them would free space on a full disk and let
     * the probe pass while nothing else can be written.
     */
    void discardUnsynced() throws IOException {
        if (current.position() == durableSize) {
            return;
        }
        current.truncate(durableSize);
        current.position(durableSize);
        current.force(false);
        zeroedUpTo = durableSize;
    }

    long currentSegmentBytes() {
        return durableSize;
    }

    /**
     * Deletes the segments all of whose records are in fsync'ed results files. The current segment stays.
     *
     * @param syncedThrough every record up to this sequence is in an fsync'ed results file
     * @param beforeTrim    runs once before the first segment is deleted (to save what only the log holds)
     */
    public synchronized int trimThrough(long syncedThrough, BeforeTrim beforeTrim) throws IOException {
        int deleted = 0;
        while (segments.size() > 1) {
            Map.Entry<Long, Path> oldest = segments.firstEntry();
            long nextFirst = segments.higherKey(oldest.getKey());
            if (nextFirst - 1 > syncedThrough) {
                break;
            }
            if (deleted == 0) {
                beforeTrim.run();
            }
            Files.deleteIfExists(oldest.getValue());
            segments.pollFirstEntry();
            deleted++;
        }
        return deleted;
    }

    private void closeCurrent() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        closeCurrent();
    }

    /** The log is damaged where a crash cannot have damaged it: refuse to guess. */
    public static final class CorruptLogException extends RuntimeException {
        public CorruptLogException(String message) {
            super(message);
        }
    }
}
