package com.repricer.storage;

import java.util.Arrays;

/**
 * One product's record positions (sequence − 1) in ascending order, as ints: 4 bytes a record. Positions stay
 * below 2^31 as long as the whole history fits the heap (the index alone would need 24 GiB before that).
 * One writer thread, any number of readers: the array is published before the size that covers it.
 */
final class SequenceList {

    private volatile int[] positions = new int[1];
    private volatile int size;

    /** Writer thread only. */
    void add(long sequence) {
        int count = size;
        int[] current = positions;
        if (count == current.length) {
            current = Arrays.copyOf(current, count + (count >> 1) + 1);
            positions = current;
        }
        current[count] = Math.toIntExact(sequence - 1);
        size = count + 1;
    }

    int size() {
        return size;
    }

    /** @param index below a {@link #size()} read before */
    long sequenceAt(int index) {
        return positions[index] + 1L;
    }
}
