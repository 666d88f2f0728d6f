package com.repricer.storage.archive;

import java.io.Closeable;
import java.io.IOException;

/**
 * One part of a stored segment (its data or its index), read at positions: a local file through its channel, a
 * blob through ranged downloads. Nothing is read that is not asked for, so a reader never holds a whole part.
 */
public interface ByteSource extends Closeable {

    /** The part's length in bytes. */
    long size();

    /**
     * Exactly {@code length} bytes from {@code position}.
     *
     * @throws CorruptSegmentException if the part ends before {@code position + length}
     * @throws IOException             if the bytes cannot be read (a disk error, the blob store unreachable)
     */
    byte[] read(long position, int length) throws IOException;

    @Override
    default void close() throws IOException {
    }
}
