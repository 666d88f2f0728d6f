package com.repricer.storage.snapshot;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Reads one part of the index snapshot (a base or a delta file) piece by piece through a fixed 1 MiB buffer, so
 * that a restore never holds more of the file than that: the bytes go straight into the index they describe.
 * The last 4 bytes of a part are its CRC-32C; {@link #checksumMatches} reads the part through once to check it
 * before anything is restored from it.
 */
final class SnapshotInput {

    static final int BUFFER_BYTES = 1 << 20;

    private final FileChannel channel;
    private final long end;
    private final ByteBuffer buffer;
    private long position;

    /** @param buffer reused between parts; its contents are discarded */
    SnapshotInput(FileChannel channel, ByteBuffer buffer) throws IOException {
        this.channel = channel;
        this.end = channel.size() - Integer.BYTES;
        this.buffer = buffer.clear().limit(0);
    }

    /** Bytes in the part before its checksum; negative if the part is shorter than a checksum. */
    long contentBytes() {
        return end;
    }

    /** Whether the stored CRC-32C matches every byte before it. Leaves the input at the start. */
    boolean checksumMatches() throws IOException {
        if (end < 0) {
            return false;
        }
        CRC32C crc = new CRC32C();
        long at = 0;
        buffer.clear();
        while (at < end) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), end - at));
            int read = channel.read(buffer, at);
            if (read < 0) {
                return false;
            }
            at += read;
            crc.update(buffer.flip());
        }
        ByteBuffer stored = ByteBuffer.allocate(Integer.BYTES);
        while (stored.hasRemaining()) {
            if (channel.read(stored, end + stored.position()) < 0) {
                return false;
            }
        }
        buffer.clear().limit(0);
        position = 0;
        return (int) crc.getValue() == stored.getInt(0);
    }

    /** Whether every byte before the checksum was read. */
    boolean atEnd() {
        return position == end && !buffer.hasRemaining();
    }

    /**
     * The buffer, holding at least {@code bytes} unread bytes (fewer only where the content ends): read from it
     * directly, as {@code PriceCodec} does. Reading past the content throws {@link BufferUnderflowException}.
     */
    ByteBuffer ensure(int bytes) throws IOException {
        if (buffer.remaining() < bytes && position < end) {
            buffer.compact();
            buffer.limit((int) Math.min(buffer.capacity(), buffer.position() + (end - position)));
            while (buffer.hasRemaining() && position < end) {
                int read = channel.read(buffer, position);
                if (read < 0) {
                    break;
                }
                position += read;
            }
            buffer.flip();
        }
        return buffer;
    }

    long getLong() throws IOException {
        return ensure(Long.BYTES).getLong();
    }

    int getInt() throws IOException {
        return ensure(Integer.BYTES).getInt();
    }

    short getShort() throws IOException {
        return ensure(Short.BYTES).getShort();
    }

    void get(byte[] into) throws IOException {
        ensure(into.length).get(into);
    }

    /** Unsigned LEB128, as {@code IndexSnapshot.Encoder} writes it. */
    long getVarint() throws IOException {
        ByteBuffer in = ensure(10);
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 10 bytes");
    }
}
