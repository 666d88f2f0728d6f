package com.repricer.storage.index;

import java.util.Arrays;

/**
 * An append-only column of longs for one writer thread and any number of readers. Chunked, so growing never
 * copies the values (a 10-million-entry column would otherwise be copied whole, twice the memory for a moment).
 * A reader sees every value below the {@link #size()} it read: the size is published after the value.
 */
public final class LongColumn {

    private static final int CHUNK_BITS = 14;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;

    private volatile long[][] chunks = new long[16][];
    private volatile long size;

    /** Writer thread only. */
    public void add(long value) {
        long index = size;
        int chunk = (int) (index >>> CHUNK_BITS);
        long[][] current = chunks;
        if (chunk == current.length) {
            current = Arrays.copyOf(current, current.length * 2);
            chunks = current;
        }
        if (current[chunk] == null) {
            current[chunk] = new long[CHUNK_SIZE];
        }
        current[chunk][(int) (index & CHUNK_MASK)] = value;
        size = index + 1;
    }

    /** Drops every value: for the recovery thread, before anyone reads. */
    public void clear() {
        size = 0;
        chunks = new long[16][];
    }

    /** @param index below a {@link #size()} read before */
    public long get(long index) {
        return chunks[(int) (index >>> CHUNK_BITS)][(int) (index & CHUNK_MASK)];
    }

    public long size() {
        return size;
    }

    /** The first index in [from, to) whose value is ≥ {@code key}, or {@code to}; values must be ascending. */
    public long lowerBound(long from, long to, long key) {
        long low = from;
        long high = to;
        while (low < high) {
            long middle = (low + high) >>> 1;
            if (get(middle) < key) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }
}
