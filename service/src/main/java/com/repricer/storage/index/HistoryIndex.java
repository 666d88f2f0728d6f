package com.repricer.storage.index;

import com.repricer.storage.PriceRecord;

/**
 * The in-memory part of the history index: the records not yet archived (the archived ones are answered from the
 * segments' {@code .idx}, docs/archive.md). Answers which sequence numbers a page holds in O(log N + page size)
 * without touching disk.
 *
 * <p>Memory: 8 bytes a record for the timestamp column (indexed by sequence − 1, ascending because timestamps
 * increase with the sequence), plus 4 bytes a record in its product's {@link SequenceList}: 12 bytes a record.
 * Both are binary-searched by timestamp for {@code from}/{@code to}; the page offset is then plain arithmetic.
 *
 * <p>Appended by the group-commit thread once records are durable; read by any thread. When the archive mover has
 * made a segment durable, or history retention deletes the oldest records ({@link #trimBefore}, docs/archive.md),
 * their timestamps leave the heap at once, and their positions leave the products' lists on the writer thread's
 * next turn ({@link #dropDeletedPositions}). A reader that raced with either gets a {@link HistoryTrimmedException}
 * and asks again.
 */
public final class HistoryIndex {

    private final LongColumn timestamps = new LongColumn();
    /** Set by {@link #trimBefore}: the products' lists still hold positions of records archived or deleted. */
    private volatile boolean positionsStale;

    /** Writer thread only, in sequence order. */
    public void add(PriceRecord record, SequenceList productSequences) {
        addTimestamp(record.sequence(), record.timestampNanos());
        productSequences.add(record.sequence());
    }

    /** Appends one record's timestamp alone: for an index snapshot, which restores the products' lists itself. */
    public void addTimestamp(long sequence, long timestampNanos) {
        if (sequence != timestamps.size() + 1) {
            throw new IllegalStateException("index expects sequence " + (timestamps.size() + 1) + ", got "
                                            + sequence);
        }
        timestamps.add(timestampNanos);
    }

    /**
     * Drops every timestamp: when an index snapshot turned out damaged half-way through its restore. The recovery
     * thread, before anyone reads.
     */
    public void clear() {
        timestamps.clear();
    }

    /**
     * Empties the index for a history whose in-memory part starts at {@code firstSequence}: the records before it
     * are archived (their index is the segments' {@code .idx}) or deleted by history retention. Positions the
     * products still hold from before it are dropped on the writer's first turn, as after {@link #trimBefore}. The
     * recovery thread, before anyone reads.
     */
    public void startAt(long firstSequence) {
        timestamps.startAt(firstSequence - 1);
        positionsStale = true;
    }

    /**
     * Drops the timestamps of the records before {@code firstSequence}: they were archived (the archive mover) or
     * deleted (history retention). Any thread besides the writer (the two callers never race past each other:
     * dropping what is already dropped does nothing).
     */
    public void trimBefore(long firstSequence) {
        timestamps.trimBefore(firstSequence - 1);
        positionsStale = true;
    }

    /**
     * After a {@link #trimBefore}: drops the deleted records' positions from every product's list (each keeps its
     * last one). The writer thread only, the one that appends positions; a pass over the product table, once per
     * deletion.
     */
    public void dropDeletedPositions(ProductTable products) {
        if (!positionsStale) {
            return;
        }
        positionsStale = false;
        long firstSequence = firstSequence();
        products.forEach(product -> product.dropBefore(firstSequence));
    }

    /** The last sequence in the index (0 while empty): records are never removed from the end. */
    public long size() {
        return timestamps.size();
    }

    /** The first record the index holds: 1, or the first one after the archive (or what history retention kept). */
    public long firstSequence() {
        return timestamps.first() + 1;
    }

    /** How many records the index holds now: those not archived (the heap it takes grows with these alone). */
    public long recordCount() {
        return timestamps.size() - timestamps.first();
    }

    /**
     * The first sequence after {@code after} whose timestamp is at or after {@code timestampNanos}, or
     * {@link #size()} + 1 if there is none: a binary search over the records after {@code after}.
     *
     * @param after the archive's last sequence, read before: the index must still hold the record after it
     * @throws HistoryTrimmedException if it does not any more (a move or a deletion since): the reader asks again
     */
    public long firstAtOrAfter(long after, long timestampNanos) {
        checkHolds(after);
        return timestamps.lowerBound(after, timestamps.size(), timestampNanos) + 1;
    }

    private void checkHolds(long after) {
        if (firstSequence() > after + 1) {
            throw new HistoryTrimmedException("the index starts at " + firstSequence() + ", after record " + (after + 1));
        }
    }

    public long timestampOf(long sequence) {
        return timestamps.get(sequence - 1);
    }

    /**
     * The sequence numbers of one page of one product's records after sequence {@code after} with
     * from ≤ timestamp < to.
     *
     * @param after the archive's last sequence, read before (the records up to it are the archive's to answer)
     * @throws HistoryTrimmedException if the index no longer holds the record after {@code after}
     */
    public PageSequences page(SequenceList product, long after, long fromNanos, long toNanos, long offset,
                              int limit) {
        checkHolds(after);
        int count = product.size();
        int first = lowerBound(product, firstAfter(product, after, count), count, fromNanos);
        int end = lowerBound(product, first, count, toNanos);
        if (offset >= end - first) {
            return PageSequences.EMPTY;
        }
        int start = first + (int) offset;
        int length = Math.min(limit, end - start);
        long[] sequences = new long[length];
        for (int i = 0; i < length; i++) {
            sequences[i] = product.sequenceAt(start + i);
        }
        return new PageSequences(sequences, start + length < end);
    }

    /** The index in the product's list of its first record after {@code after} (and in the index). */
    private int firstAfter(SequenceList product, long after, int count) {
        long firstSequence = Math.max(after + 1, firstSequence());
        int low = product.firstIndex();
        int high = count;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (product.sequenceAt(middle) < firstSequence) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    private int lowerBound(SequenceList product, int from, int to, long timestamp) {
        int low = from;
        int high = to;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (timestampOf(product.sequenceAt(middle)) < timestamp) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** @param hasNext whether matching records follow this page */
    public record PageSequences(long[] sequences, boolean hasNext) {
        public static final PageSequences EMPTY = new PageSequences(new long[0], false);
    }
}
