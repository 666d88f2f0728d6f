package com.repricer.storage.archive;

import com.repricer.rules.ProductIdRule;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.fs.Directories;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.log.PriceCodec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Where the history starts once history retention has deleted its oldest segments, persisted in
 * {@code <data-dir>/history-start}: the first sequence kept, and the last record of every product whose records
 * were all deleted (its last price is still the product's price: {@code GET /api/product/{id}/price} answers it,
 * and the product's next reprice carries it as its previous price). Absent: the history starts at sequence 1.
 *
 * <p>The file is the truth about the start: {@link HistoryRetention} makes a new one durable (a temporary file,
 * fsync'ed, renamed over the old one, the directory fsync'ed) before it deletes any segment, so a crash leaves the
 * old start or the new one, never a deleted segment the file still counts on. A start reads it before the archive.
 *
 * <h2>Format</h2>
 * Big-endian:
 * <pre>
 *   8 bytes  magic "RPRSTART"
 *   int      format version (1)
 *   long     the first sequence kept
 *   int      the number of products whose records were all deleted, then for each:
 *     short  id length in UTF-8 bytes (1–512), then the id
 *     long   its last record's sequence (before the first kept)
 *     long   its last record's timestamp, epoch nanoseconds
 *     prices its new and previous price (as in the index snapshot: {@link PriceCodec#putPrices})
 *   int      CRC-32C of every byte before it
 * </pre>
 *
 * @param firstSequence the first sequence of the history
 * @param carried       the last record of each product with no record from {@code firstSequence} on
 */
public record HistoryStart(long firstSequence, List<PriceRecord> carried) {

    public static final String FILE_NAME = "history-start";
    /** The whole history: nothing deleted. */
    public static final HistoryStart WHOLE = new HistoryStart(1, List.of());
    private static final byte[] MAGIC = "RPRSTART".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int ENTRY_BYTES = 2 + ProductIdRule.MAX_UTF8_BYTES + 16 + 2 * PriceCodec.MAX_BYTES + 1;

    public HistoryStart {
        if (firstSequence < 1) {
            throw new IllegalArgumentException("the history starts at sequence 1 or later: " + firstSequence);
        }
        carried = List.copyOf(carried);
    }

    /**
     * The start persisted in {@code directory}, or {@link #WHOLE} if there is none.
     *
     * @throws IOException if the file is there but damaged: which records exist cannot be told without it
     */
    public static HistoryStart read(Path directory) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return WHOLE;
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 4);
            if (bytes.length < MAGIC.length + 4 + 8 + 4 + 4 || in.getInt(bytes.length - 4) != (int) crc.getValue()) {
                throw new IllegalArgumentException("checksum mismatch");
            }
            byte[] magic = new byte[MAGIC.length];
            in.get(magic);
            int version = in.getInt();
            if (!java.util.Arrays.equals(magic, MAGIC) || version != VERSION) {
                throw new IllegalArgumentException("not a history start of format " + VERSION);
            }
            long first = in.getLong();
            int count = in.getInt();
            List<PriceRecord> carried = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] id = new byte[in.getShort()];
                in.get(id);
                long sequence = in.getLong();
                long timestamp = in.getLong();
                PriceCodec.Prices prices = PriceCodec.getPrices(in);
                carried.add(new PriceRecord(sequence, new String(id, StandardCharsets.UTF_8), prices.previousPrice(),
                                            prices.newPrice(), timestamp));
            }
            if (in.remaining() != 4) {
                throw new IllegalArgumentException("trailing bytes");
            }
            return new HistoryStart(first, carried);
        } catch (RuntimeException e) {
            throw new IOException("The history start " + file + " is damaged (" + e.getMessage() + "); history"
                                  + " retention wrote it before deleting old archive segments, so where the history"
                                  + " starts cannot be told without it. Restore it from a backup.", e);
        }
    }

    /** Makes this start durable in {@code directory}, replacing the one there; through {@code files}. */
    public void write(Path directory, StorageFiles files) throws IOException {
        Path target = directory.resolve(FILE_NAME);
        Path temporary = directory.resolve(FILE_NAME + ".tmp");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ByteBuffer entry = ByteBuffer.allocate(ENTRY_BYTES);
        entry.put(MAGIC).putInt(VERSION).putLong(firstSequence).putInt(carried.size());
        bytes.write(entry.array(), 0, entry.position());
        for (PriceRecord record : carried) {
            byte[] id = record.productId().getBytes(StandardCharsets.UTF_8);
            entry.clear();
            entry.putShort((short) id.length).put(id).putLong(record.sequence()).putLong(record.timestampNanos());
            PriceCodec.putPrices(entry, record.newPrice(), record.previousPrice());
            bytes.write(entry.array(), 0, entry.position());
        }
        CRC32C crc = new CRC32C();
        byte[] body = bytes.toByteArray();
        crc.update(body);
        ByteBuffer out = ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).flip();
        try (FileChannel channel = files.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                              StandardOpenOption.TRUNCATE_EXISTING)) {
            while (out.hasRemaining()) {
                channel.write(out);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Directories.fsync(files, directory);
    }
}
