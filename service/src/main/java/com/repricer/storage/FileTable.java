package com.repricer.storage;

/**
 * Which results file holds a sequence number: the files' first sequences in order, plus one past the last
 * filed record, so file i holds [boundary(i), boundary(i + 1)). 8 bytes a file (under 1 byte a record at 10
 * records a file). Names are not stored: the first record's timestamp comes from the {@link HistoryIndex}.
 * Appended by one thread (recovery, then the results writer); read by any.
 */
final class FileTable {

    private final LongColumn boundaries = new LongColumn();
    private final HistoryIndex index;
    private volatile int fileCount;

    FileTable(HistoryIndex index) {
        this.index = index;
    }

    /** Writer thread only, in sequence order. */
    void add(long firstSequence, int recordCount) {
        if (boundaries.size() == 0) {
            boundaries.add(firstSequence);
        } else if (boundaries.get(boundaries.size() - 1) != firstSequence) {
            throw new IllegalStateException("results file starting at " + firstSequence + " leaves a gap after "
                                            + (boundaries.get(boundaries.size() - 1) - 1));
        }
        boundaries.add(firstSequence + recordCount);
        fileCount++;
    }

    /** The file holding {@code sequence}, which must already be in a results file. */
    ResultsFileName fileOf(long sequence) {
        long file = boundaries.lowerBound(0, fileCount + 1L, sequence + 1) - 1;
        long first = boundaries.get(file);
        int count = (int) (boundaries.get(file + 1) - first);
        return new ResultsFileName(first, index.timestampOf(first), count);
    }
}
