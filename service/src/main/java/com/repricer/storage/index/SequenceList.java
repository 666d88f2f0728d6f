package com.repricer.storage.index;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * One product's record positions (sequence − 1) in ascending order, as ints: 4 bytes a record. Positions stay
 * below 2^31 as long as the whole history fits the heap (the index alone would need 24 GiB before that).
 *
 * <p>The first position is a field, the others are in an array allocated with the second record: most products
 * of a large catalogue have few records, and an array costs a 16-byte header besides its contents. Not final:
 * {@link ProductState} extends it, so a product's positions share its object header.
 *
 * <p>One writer thread, any number of readers: a position, and the array holding it, are written before the
 * size that covers it, so a reader sees every position below a {@link #size()} it read.
 */
public class SequenceList {

    private int first;
    /** Positions of the second record on; {@code null} until there is a second record. */
    private volatile int[] rest;
    private volatile int size;

    /** Writer thread only. */
    void add(long sequence) {
        int position = Math.toIntExact(sequence - 1);
        int count = size;
        if (count == 0) {
            first = position;
        } else {
            int index = count - 1;
            int[] current = rest;
            if (current == null || index == current.length) {
                current = current == null ? new int[1] : Arrays.copyOf(current, index + (index >> 1) + 1);
                rest = current;
            }
            current[index] = position;
        }
        size = count + 1;
    }

    /**
     * Appends {@code count} positions at once, the array sized to fit: restoring a product from the index snapshot
     * (a million products), where growing it one by one would copy it several times. Writer thread only.
     *
     * @param nextSequence called {@code count} times for the sequences to add, ascending
     */
    void addAll(int count, LongSupplier nextSequence) {
        int first = size;
        if (first + count > 1) {
            int[] current = rest;
            int needed = first + count - 1;
            rest = current == null ? new int[needed] : Arrays.copyOf(current, Math.max(needed, current.length));
        }
        for (int i = 0; i < count; i++) {
            add(nextSequence.getAsLong());
        }
    }

    public int size() {
        return size;
    }

    /** @param index below a {@link #size()} read before */
    public long sequenceAt(int index) {
        return (index == 0 ? first : rest[index - 1]) + 1L;
    }
}
