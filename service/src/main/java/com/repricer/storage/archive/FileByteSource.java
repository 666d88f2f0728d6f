package com.repricer.storage.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A local file read at positions through one {@link FileChannel} (positional reads are thread-safe). */
final class FileByteSource implements ByteSource {

    private final Path file;
    private final FileChannel channel;
    private final long size;

    private FileByteSource(Path file, FileChannel channel, long size) {
        this.file = file;
        this.channel = channel;
        this.size = size;
    }

    static FileByteSource open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new FileByteSource(file, channel, channel.size());
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public byte[] read(long position, int length) throws IOException {
        if (position < 0 || length < 0 || position + length > size) {
            throw new CorruptSegmentException(file + " is truncated: expected at least " + (position + length)
                                              + " bytes, actual: " + size);
        }
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new CorruptSegmentException(file + " is truncated: expected at least " + (position + length)
                                                  + " bytes, actual: " + (position + buffer.position()));
            }
        }
        return buffer.array();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
