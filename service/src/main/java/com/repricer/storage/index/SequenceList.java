package com.repricer.storage.index;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * One product's record positions (sequence − 1) in ascending order: 4 bytes a record. Positions are longs (a
 * history runs past 2^31 records); the array holds each as an int offset from a base position it carries, which
 * is enough because the positions the in-memory index holds span far fewer than 2^31 records (the index would need
 * 24 GiB before that). When a new position is 2^31 or more past the base, the array is rebuilt around a new base
 * without the positions that far behind: those were archived or deleted long ago, and are dropped (as
 * {@link #dropBefore} would) rather than kept as the product's oldest.
 *
 * <p>The first position is a field, the others are in an array allocated with the second record: most products
 * of a large catalogue have few records, and an array costs a 16-byte header besides its contents. Not final:
 * {@link ProductState} extends it, so a product's positions share its object header.
 *
 * <p>Indexes are stable: {@code sequenceAt(i)} is the product's {@code i}-th record ever. History retention and
 * the archive drop the positions of records that left the index ({@link #dropBefore}) except the last one (the
 * product's last price stays); the array's header says which index its first slot holds, so a reader that reads
 * the array once never mixes two layouts. A reader asking for a dropped index gets a
 * {@link HistoryTrimmedException}; {@link #firstIndex()} is where the kept ones begin.
 *
 * <p>One writer thread, any number of readers: a position, and the array holding it, are written before the
 * size that covers it, so a reader sees every position below a {@link #size()} it read (and at or after a
 * {@link #firstIndex()} it read).
 */
public class SequenceList {

    /** Array slot 0: the index of the position in slot {@link #HEADER} (1 until positions are dropped). */
    private static final int OFFSET = 0;
    /** Array slots 1 and 2: the base position, high and low int; slots from {@link #HEADER} hold position − base. */
    private static final int BASE_HIGH = 1;
    private static final int BASE_LOW = 2;
    private static final int HEADER = 3;

    private long first;
    /** The header above, then positions. {@code null} until there is a second record. */
    private volatile int[] rest;
    private volatile int size;

    /** Writer thread only. */
    void add(long sequence) {
        long position = sequence - 1;
        int count = size;
        if (count == 0) {
            first = position;
        } else {
            int[] current = rest;
            int[] next = current;
            if (next == null) {
                next = newArray(1, position, HEADER + 2);
            } else if (position - base(next) > Integer.MAX_VALUE) {
                next = rebased(next, count, position);
            }
            int slot = HEADER + count - next[OFFSET];
            if (slot == next.length) {
                next = Arrays.copyOf(next, slot + (slot >> 1) + 1);
            }
            next[slot] = (int) (position - base(next));
            if (next != current) {
                rest = next;
            }
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
        int[] current = rest;
        if (current != null) {
            int needed = HEADER + size + count - current[OFFSET];
            if (needed > current.length) {
                rest = Arrays.copyOf(current, needed);
            }
        }
        for (int i = 0; i < count; i++) {
            long sequence = nextSequence.getAsLong();
            if (size == 1 && rest == null) { // the array comes with the second record: sized for all that follow
                rest = newArray(1, sequence - 1, HEADER + count - i);
            }
            add(sequence);
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
        long position = sequence - 1;
        int[] current = rest;
        int last = count - 1;
        if (current == null || last < current[OFFSET]) {
            first = position; // the last one is index 0, the first field
            return;
        }
        if (position - base(current) > Integer.MAX_VALUE) {
            current = rebased(current, last, position);
            rest = current;
        }
        current[HEADER + last - current[OFFSET]] = (int) (position - base(current));
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
        int low = firstKept(count, firstSequence);
        if (low <= current[OFFSET]) {
            return; // nothing in the array to drop (at most the first field, which costs nothing)
        }
        rest = copyFrom(current, low, count, sequenceAt(low) - 1);
    }

    /** The index of the first position at or after {@code firstSequence} − 1, at most the last one (kept always). */
    private int firstKept(int count, long firstSequence) {
        int low = firstIndex();
        int high = count - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (sequenceAt(middle) < firstSequence) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /**
     * A copy of the array for {@code position}, the next one after index {@code count} − 1, which is 2^31 or more
     * past its base: the positions that far behind it are dropped (see the class comment), the others kept around
     * a new base.
     */
    private int[] rebased(int[] current, int count, long position) {
        long oldest = position - Integer.MAX_VALUE;
        int low = Math.max(current[OFFSET], firstKept(count, oldest + 1));
        if (low < count && sequenceAt(low) - 1 < oldest) {
            low = count; // even the last one is that far behind: only the new one stays
        }
        return copyFrom(current, low, count, low < count ? sequenceAt(low) - 1 : position);
    }

    /**
     * The positions of indexes {@code from} to {@code count} − 1 in a new array around {@code base}, with room
     * for half as many more and at least one.
     */
    private static int[] copyFrom(int[] current, int from, int count, long base) {
        int kept = count - from;
        int[] next = newArray(from, base, HEADER + kept + (kept >> 1) + 1);
        long oldBase = base(current);
        for (int i = 0; i < kept; i++) {
            long keptPosition = oldBase + current[HEADER + from - current[OFFSET] + i];
            next[HEADER + i] = (int) (keptPosition - base);
        }
        return next;
    }

    private static int[] newArray(int offset, long base, int length) {
        int[] array = new int[length];
        array[OFFSET] = offset;
        array[BASE_HIGH] = (int) (base >>> 32);
        array[BASE_LOW] = (int) base;
        return array;
    }

    private static long base(int[] array) {
        return ((long) array[BASE_HIGH] << 32) | (array[BASE_LOW] & 0xFFFF_FFFFL);
    }

    public int size() {
        return size;
    }

    /** The first index still held: 0, or the first one kept after positions were dropped. */
    public int firstIndex() {
        int[] current = rest;
        return current == null || current[OFFSET] == 1 ? 0 : current[OFFSET];
    }

    /**
     * @param index below a {@link #size()} read before
     * @throws HistoryTrimmedException if the position was dropped
     */
    public long sequenceAt(int index) {
        int[] current = rest;
        int offset = current == null ? 1 : current[OFFSET];
        if (index >= offset) {
            return base(current) + current[HEADER + index - offset] + 1;
        }
        if (index == 0 && offset == 1) {
            return first + 1;
        }
        throw new HistoryTrimmedException("position " + index + " was dropped; the list starts at " + offset);
    }
}
