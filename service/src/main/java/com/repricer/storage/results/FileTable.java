package com.repricer.storage.results;

import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.LongColumn;

/**
 * Which results file holds a sequence number: the files' first sequences in order, plus one past the last
 * filed record, so file i holds [boundary(i), boundary(i + 1)). 8 bytes a file (under 1 byte a record at 10
 * records a file). Names are not stored: the first record's timestamp comes from the {@link HistoryIndex}.
 * Appended by one thread (recovery, then the results writer); read by any.
 *
 * <p>The table holds the files not yet archived: once the archive mover has made a segment durable, and when
 * history retention deletes records, the oldest files leave it ({@link #trimBefore}); the archive's segments name
 * the others. A file's position in the table is its ordinal since the table started (a long: a thousand files a
 * second for years); positions before {@link #firstFile()} are gone then (a read of one throws
 * {@link com.repricer.storage.index.HistoryTrimmedException}), later ones stay where they were. A table of a history
 * whose first records were deleted before this start starts at position 0 with its first kept file
 * ({@link #startAt}).
 */
public final class FileTable {

    private final LongColumn boundaries = new LongColumn();
    private final HistoryIndex index;
    private volatile long fileCount;
    /** The first sequence the table can hold: 1, or where history retention let the history start. */
    private volatile long firstSequence = 1;

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
        startAt(1);
    }

    /**
     * Drops every file; the first one added next starts at {@code sequence} (history retention deleted the records
     * before it). The recovery thread, before anyone reads.
     */
    public void startAt(long sequence) {
        boundaries.clear();
        fileCount = 0;
        firstSequence = sequence;
    }

    /**
     * Drops the files before the one starting at {@code sequence} (archived by the archive mover, or deleted by
     * history retention); nothing if the table starts there or later. Any thread besides the writer.
     *
     * @throws IllegalStateException if no file in the table starts at {@code sequence}
     */
    public synchronized void trimBefore(long sequence) {
        if (sequence <= firstSequence) {
            return;
        }
        long count = fileCount;
        long first = firstFile();
        long position = boundaries.lowerBound(first, count + 1, sequence);
        if (position > count || boundaries.get(position) != sequence) {
            throw new IllegalStateException("no results file starts at sequence " + sequence);
        }
        boundaries.trimBefore(position);
        firstSequence = sequence;
    }

    /** The first sequence the table holds or will hold: 1, or the first one history retention kept. */
    public long firstSequence() {
        return firstSequence;
    }

    /** The position of the first file in the table. */
    public long firstFile() {
        return Math.min(boundaries.first(), fileCount);
    }

    /**
     * The record counts of the files holding sequences {@code previous + 1} to {@code last}, in order (for an index
     * snapshot). Only files below the count read here are touched, so any thread may call it.
     *
     * @param previous {@link #firstSequence()} − 1, or the last sequence of a file in the table
     * @throws IllegalStateException if {@code previous} or {@code last} does not end a file in the table
     */
    public int[] countsBetween(long previous, long last) {
        long count = fileCount;
        long from = fileEndingAt(previous, count);
        long to = fileEndingAt(last, count);
        int[] counts = new int[Math.toIntExact(Math.max(0, to - from))];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = (int) (boundaries.get(from + i + 1) - boundaries.get(from + i));
        }
        return counts;
    }

    /** The position after the file ending at {@code sequence}; the first position for the table's start − 1. */
    private long fileEndingAt(long sequence, long count) {
        long first = firstFile();
        if (sequence == firstSequence - 1 && (count == first || boundaries.get(first) == firstSequence)) {
            return first;
        }
        long end = sequence + 1;
        long files = boundaries.lowerBound(first, count + 1, end);
        if (files > count || boundaries.get(files) != end) {
            throw new IllegalStateException("no results file ends at sequence " + sequence);
        }
        return files;
    }

    /** One past the position of the last file; each one below it is complete in {@code results/}. Any thread. */
    public long count() {
        return fileCount;
    }

    /**
     * The file at position {@code i}, from {@link #firstFile()} to below a {@link #count()} read before. Any thread.
     */
    public ResultsFileName file(long i) {
        long first = boundaries.get(i);
        return new ResultsFileName(first, index.timestampOf(first), (int) (boundaries.get(i + 1) - first));
    }

    /** The position of the first file that starts after {@code sequence}, or {@code count}; a binary search. */
    public long firstAfter(long sequence, long count) {
        long first = firstFile();
        if (first >= count) {
            return count; // no file (or none left of those counted)
        }
        return Math.min(count, boundaries.lowerBound(first, count + 1, sequence + 1));
    }

    /** The file holding {@code sequence}, which must already be in a results file. */
    public ResultsFileName fileOf(long sequence) {
        long file = boundaries.lowerBound(firstFile(), fileCount + 1L, sequence + 1) - 1;
        long first = boundaries.get(file);
        int count = (int) (boundaries.get(file + 1) - first);
        return new ResultsFileName(first, index.timestampOf(first), count);
    }
}
