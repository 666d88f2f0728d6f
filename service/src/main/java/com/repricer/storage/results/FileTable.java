package com.repricer.storage.results;

import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.LongColumn;

/**
 * Which results file holds a sequence number: the files' first sequences in order, plus one past the last
 * filed record, so file i holds [boundary(i), boundary(i + 1)). 8 bytes a file (under 1 byte a record at 10
 * records a file). Names are not stored: the first record's timestamp comes from the {@link HistoryIndex}.
 * Appended by one thread (recovery, then the results writer); read by any.
 */
public final class FileTable {

    private final LongColumn boundaries = new LongColumn();
    private final HistoryIndex index;
    private volatile int fileCount;

    public FileTable(HistoryIndex index) {
        this.index = index;
    }

    /** Writer thread only, in sequence order. */
    public void add(long firstSequence, int recordCount) {
        if (boundaries.size() == 0) {
            boundaries.add(firstSequence);
        } else if (boundaries.get(boundaries.size() - 1) != firstSequence) {
            throw new IllegalStateException("results file starting at " + firstSequence + " leaves a gap after "
                                            + (boundaries.get(boundaries.size() - 1) - 1));
        }
        boundaries.add(firstSequence + recordCount);
        fileCount++;
    }

    /** Drops every file, as {@link HistoryIndex#clear}: the recovery thread, before anyone reads. */
    public void clear() {
        boundaries.clear();
        fileCount = 0;
    }

    /**
     * The record counts of the files holding sequences {@code previous + 1} to {@code last}, in order (for an index
     * snapshot). Only files below the count read here are touched, so any thread may call it.
     *
     * @param previous 0, or the last sequence of a file in the table
     * @throws IllegalStateException if {@code previous} or {@code last} does not end a file in the table
     */
    public int[] countsBetween(long previous, long last) {
        int count = fileCount;
        int from = fileEndingAt(previous, count);
        int to = fileEndingAt(last, count);
        int[] counts = new int[Math.max(0, to - from)];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = (int) (boundaries.get(from + i + 1) - boundaries.get(from + i));
        }
        return counts;
    }

    /** How many files hold sequences 1 to {@code sequence}, which ends a file (or is 0). */
    private int fileEndingAt(long sequence, int count) {
        if (sequence == 0) {
            return 0;
        }
        long end = sequence + 1;
        long files = count == 0 ? 1 : boundaries.lowerBound(0, count + 1L, end);
        if (files > count || boundaries.get(files) != end || boundaries.get(0) != 1) {
            throw new IllegalStateException("no results file ends at sequence " + sequence);
        }
        return (int) files;
    }

    /** Files in the table; each one below it is complete in {@code results/}. Any thread. */
    public int count() {
        return fileCount;
    }

    /** The {@code i}-th file from sequence 1, {@code i} below a {@link #count()} read before. Any thread. */
    public ResultsFileName file(int i) {
        long first = boundaries.get(i);
        return new ResultsFileName(first, index.timestampOf(first), (int) (boundaries.get(i + 1) - first));
    }

    /** The position of the first file that starts after {@code sequence}, or {@code count}; a binary search. */
    public int firstAfter(long sequence, int count) {
        return (int) Math.min(count, boundaries.lowerBound(0, count + 1L, sequence + 1));
    }

    /** The file holding {@code sequence}, which must already be in a results file. */
    public ResultsFileName fileOf(long sequence) {
        long file = boundaries.lowerBound(0, fileCount + 1L, sequence + 1) - 1;
        long first = boundaries.get(file);
        int count = (int) (boundaries.get(file + 1) - first);
        return new ResultsFileName(first, index.timestampOf(first), count);
    }
}
