package com.repricer.storage.index;

import com.repricer.storage.PriceRecord;

/**
 * Answers history pages in O(log N + page size) without touching disk: which sequence numbers a page holds.
 *
 * <p>Memory: 8 bytes a record for the timestamp column (indexed by sequence − 1, ascending because timestamps
 * increase with the sequence), plus 4 bytes a record in its product's {@link SequenceList}: 12 bytes a record.
 * Both are binary-searched by timestamp for {@code from}/{@code to}; the page offset is then plain arithmetic.
 *
 * <p>Appended by the group-commit thread once records are durable; read by any thread.
 */
public final class HistoryIndex {

    private final LongColumn timestamps = new LongColumn();

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

    public long size() {
        return timestamps.size();
    }

    public long timestampOf(long sequence) {
        return timestamps.get(sequence - 1);
    }

    /** The sequence numbers of one page of all records with from ≤ timestamp < to. */
    public PageSequences page(long fromNanos, long toNanos, long offset, int limit) {
        long count = timestamps.size();
        long first = timestamps.lowerBound(0, count, fromNanos);
        long end = timestamps.lowerBound(first, count, toNanos);
        if (offset >= end - first) {
            return PageSequences.EMPTY;
        }
        long start = first + offset;
        int length = (int) Math.min(limit, end - start);
        long[] sequences = new long[length];
        for (int i = 0; i < length; i++) {
            sequences[i] = start + i + 1;
        }
        return new PageSequences(sequences, start + length < end);
    }

    /** The same for one product's records. */
    public PageSequences page(SequenceList product, long fromNanos, long toNanos, long offset, int limit) {
        int count = product.size();
        int first = lowerBound(product, 0, count, fromNanos);
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
        static final PageSequences EMPTY = new PageSequences(new long[0], false);
    }
}
