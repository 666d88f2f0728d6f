package com.repricer.storage.index;

import java.util.Arrays;

/**
 * An append-only column of longs for one writer thread and any number of readers, whose oldest values can be
 * dropped ({@link #trimBefore}) by one other thread. Chunked, so growing never copies the values (a
 * 10-million-entry column would otherwise be copied whole, twice the memory for a moment), and dropping the front
 * frees whole chunks. A reader sees every value below the {@link #size()} it read and at or after the
 * {@link #first()} it read: the size is published after the value, and a trim publishes its new first index
 * before it lets go of any chunk.
 *
 * <p>Indexes stay where they were when the front is dropped: {@code get(i)} is the {@code i}-th value ever added.
 * A column can also start empty at any index ({@link #startAt}): a history whose first records were deleted.
 */
public final class LongColumn {

    private static final int CHUNK_BITS = 14;
    private static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;

    /**
     * The chunks from {@code firstChunk} on, as one immutable pair so that a reader never mixes an array with
     * another array's offset; replaced whole under the column's lock (growing the array of chunks, or trimming).
     */
    private record Chunks(long[][] arrays, long firstChunk) {

        long[] chunk(long index) {
            long k = (index >>> CHUNK_BITS) - firstChunk;
            return k < 0 || k >= arrays.length ? null : arrays[(int) k];
        }
    }

    private volatile Chunks chunks = new Chunks(new long[16][], 0);
    private volatile long first;
    private volatile long size;

    /** Writer thread only. */
    public void add(long value) {
        long index = size;
        long[] chunk = chunks.chunk(index);
        if (chunk == null) {
            chunk = allocate(index);
        }
        chunk[(int) (index & CHUNK_MASK)] = value;
        size = index + 1;
    }

    /** A new chunk for {@code index}, the array of chunks grown if needed; against a concurrent trim. */
    private synchronized long[] allocate(long index) {
        Chunks current = chunks;
        long k = (index >>> CHUNK_BITS) - current.firstChunk();
        long[][] arrays = current.arrays();
        if (k >= arrays.length) {
            arrays = Arrays.copyOf(arrays, (int) Math.max(k + 1, arrays.length * 2L));
        }
        long[] chunk = arrays[(int) k];
        if (chunk == null) {
            chunk = new long[CHUNK_SIZE];
            if (arrays == current.arrays()) {
                arrays = arrays.clone(); // a reader holding the old pair never sees a chunk appear in it
            }
            arrays[(int) k] = chunk;
        }
        chunks = new Chunks(arrays, current.firstChunk());
        return chunk;
    }

    /** Drops every value: for the recovery thread, before anyone reads. */
    public void clear() {
        startAt(0);
    }

    /** Drops every value; the next one added gets index {@code index}. The recovery thread, before anyone reads. */
    public synchronized void startAt(long index) {
        first = index;
        size = index;
        chunks = new Chunks(new long[16][], index >>> CHUNK_BITS);
    }

    /**
     * Drops the values before {@code index} (at most {@link #size()}); whole chunks are freed. Any one thread
     * besides the writer; a reader that asks for a dropped index afterwards gets a {@link HistoryTrimmedException}.
     */
    public synchronized void trimBefore(long index) {
        if (index <= first) {
            return;
        }
        if (index > size) {
            throw new IllegalArgumentException("cannot trim before " + index + ": the column ends at " + size);
        }
        first = index;
        Chunks current = chunks;
        long drop = (index >>> CHUNK_BITS) - current.firstChunk();
        if (drop > 0) {
            long[][] arrays = current.arrays();
            long[][] kept = Arrays.copyOfRange(arrays, (int) drop, (int) Math.max(drop + 16, arrays.length));
            chunks = new Chunks(kept, current.firstChunk() + drop);
        }
    }

    /**
     * @param index below a {@link #size()} read before
     * @throws HistoryTrimmedException if the value has been dropped
     */
    public long get(long index) {
        long[] chunk = chunks.chunk(index);
        if (chunk == null || index < first) {
            throw new HistoryTrimmedException("value " + index + " was dropped; the column starts at " + first);
        }
        return chunk[(int) (index & CHUNK_MASK)];
    }

    /** One past the last index. */
    public long size() {
        return size;
    }

    /** The first index that holds a value (equal to {@link #size()} while there is none). */
    public long first() {
        return first;
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
