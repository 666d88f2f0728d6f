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
 * <p>Indexes are stable: {@code sequenceAt(i)} is the product's {@code i}-th record ever. History retention drops
 * the positions of deleted records ({@link #dropBefore}) except the last one (the product's last price stays); the
 * array's slot 0 then says which index its slot 1 holds, so a reader that reads the array once never mixes two
 * layouts. A reader asking for a dropped index gets a {@link HistoryTrimmedException}; {@link #firstIndex()} is
 * where the kept ones begin.
 *
 * <p>One writer thread, any number of readers: a position, and the array holding it, are written before the
 * size that covers it, so a reader sees every position below a {@link #size()} it read (and at or after a
 * {@link #firstIndex()} it read).
 */
public class SequenceList {

    private int first;
    /**
     * Slot 0: the index of the position in slot 1 (1 until positions are dropped: index 0 is {@link #first});
     * positions from slot 1 on. {@code null} until there is a second record.
     */
    private volatile int[] rest;
    private volatile int size;

    /** Writer thread only. */
    void add(long sequence) {
        int position = Math.toIntExact(sequence - 1);
        int count = size;
        if (count == 0) {
            first = position;
        } else {
            int[] current = rest;
            int slot = current == null ? 1 : 1 + count - current[0];
            if (current == null || slot == current.length) {
                current = current == null ? new int[] {1, 0} : Arrays.copyOf(current, slot + (slot >> 1) + 1);
                rest = current;
            }
            current[slot] = position;
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
        int before = size;
        if (before + count > 1) {
            int[] current = rest;
            int offset = current == null ? 1 : current[0];
            int needed = 1 + before + count - offset;
            if (current == null) {
                current = new int[needed];
                current[0] = 1;
            } else {
                current = Arrays.copyOf(current, Math.max(needed, current.length));
            }
            rest = current;
        }
        for (int i = 0; i < count; i++) {
            add(nextSequence.getAsLong());
        }
    }

    /**
     * Replaces the last position with {@code sequence}'s (which follows it), or adds it to an empty list: recovery
     * replays archived records into their products' last price without keeping a position for each (they are
     * dropped before the index's start anyway). The recovery thread, before anyone reads.
     */
    void replaceLast(long sequence) {
        int count = size;
        if (count == 0) {
            add(sequence);
            return;
        }
        int position = Math.toIntExact(sequence - 1);
        int[] current = rest;
        if (current == null) {
            first = position;
        } else {
            current[1 + count - 1 - current[0]] = position;
        }
    }

    /**
     * Drops the positions of records before {@code firstSequence}, keeping at least the last one. The writer
     * thread only (the one that appends).
     */
    void dropBefore(long firstSequence) {
        int count = size;
        int[] current = rest;
        if (current == null) {
            return;
        }
        int offset = current[0];
        int low = firstIndex();
        int high = count - 1; // the last position always stays
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (sequenceAt(middle) < firstSequence) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        if (low <= offset) {
            return; // nothing in the array to drop (at most the first field, which costs nothing)
        }
        int kept = count - low;
        int[] next = new int[1 + kept + (kept >> 1)];
        next[0] = low;
        System.arraycopy(current, 1 + low - offset, next, 1, kept);
        rest = next;
    }

    public int size() {
        return size;
    }

    /** The first index still held: 0, or the first one kept after positions were dropped. */
    public int firstIndex() {
        int[] current = rest;
        return current == null || current[0] == 1 ? 0 : current[0];
    }

    /**
     * @param index below a {@link #size()} read before
     * @throws HistoryTrimmedException if the position was dropped
     */
    public long sequenceAt(int index) {
        int[] current = rest;
        int offset = current == null ? 1 : current[0];
        if (index >= offset) {
            return current[1 + index - offset] + 1L;
        }
        if (index == 0 && offset == 1) {
            return first + 1L;
        }
        throw new HistoryTrimmedException("position " + index + " was dropped; the list starts at " + offset);
    }
}
