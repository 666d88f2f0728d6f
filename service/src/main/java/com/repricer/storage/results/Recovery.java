package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.log.WriteAheadLog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Start-up: makes {@code results/} whole from the log, then replays everything into memory.
 *
 * <ol>
 *   <li>Files that start before the log's first record were fsync'ed before the log let go of any of their
 *       records (the log is trimmed only up to fsync'ed files): they are read as they are, and must run without
 *       gaps from sequence 1.</li>
 *   <li>Files within the log's range are compared with the log. A file that a power loss left empty or torn,
 *       or that does not match, is deleted and written again from the log.</li>
 *   <li>Logged records after the last file (the window that was open, or files a crash never wrote) are cut into
 *       files by the usual windowing rule.</li>
 *   <li>Every file in the log's range is fsync'ed, with the folder; only then is the log emptied.</li>
 * </ol>
 * Anything that cannot be repaired from the log (a damaged file the log no longer backs, a gap) stops the start
 * with a message naming the file: guessing would break the no-loss promise silently.
 *
 * <p>After an index snapshot restored records 1 to S ({@link #resumeAfter}), only the files after S are read: the
 * snapshot covers only files that were fsync'ed before it was written, so they are whole like the first kind.
 */
public final class Recovery {

    private static final Logger LOG = Logger.getLogger(Recovery.class.getName());

    private final ResultsDirectory directory;
    private final FileGrouping grouping;
    private final Consumer<List<PriceRecord>> replay;
    private final List<Path> toSync = new ArrayList<>();
    private long expected = 1;
    private long lastTimestamp = Long.MIN_VALUE;
    private int rewritten;

    /** @param replay receives every record, file by file, in sequence order */
    public Recovery(ResultsDirectory directory, FileGrouping grouping, Consumer<List<PriceRecord>> replay) {
        this.directory = directory;
        this.grouping = grouping;
        this.replay = replay;
    }

    /** What recovery found: where the sequence and the clock continue. */
    public record Outcome(long nextSequence, long lastTimestampNanos, int filesRewritten) {
    }

    /** Continues after records 1 to {@code lastSequence}, which an index snapshot restored. */
    public void resumeAfter(long lastSequence, long lastTimestampNanos) {
        expected = lastSequence + 1;
        lastTimestamp = lastTimestampNanos;
    }

    /**
     * @param files the results files to read, in sequence order: all of {@code results/}, or those after the
     *              records an index snapshot restored
     */
    public Outcome run(WriteAheadLog log, List<PriceRecord> logged, List<ResultsFileName> files) throws IOException {
        directory.clearStaging();
        long logFirst = logged.isEmpty() ? Long.MAX_VALUE : logged.getFirst().sequence();
        for (ResultsFileName file : files) {
            if (file.firstSequence() < logFirst) {
                // fsync'ed before the log let go of its first record, so whole (see trimThrough).
                replayFile(readTrusted(file));
            } else if (file.firstSequence() < expected || file.lastSequence() > lastOf(logged)) {
                throw new IllegalStateException("Results file " + directory.pathOf(file) + " overlaps records "
                                                + "already recovered or beyond the log; cannot tell which is right");
            } else {
                fillFromLog(logged, logFirst, file.firstSequence());
                checkAgainstLog(file, logged, logFirst);
            }
        }
        fillFromLog(logged, logFirst, lastOf(logged) + 1);
        directory.sync(toSync);
        log.restartAt(expected);
        if (rewritten > 0) {
            LOG.info("Recovery rewrote " + rewritten + " results files from the log");
        }
        return new Outcome(expected, lastTimestamp, rewritten);
    }

    /** Hands one file's records to the replay, in order. */
    private void replayFile(List<PriceRecord> records) {
        replay.accept(records);
        expected = records.getLast().sequence() + 1;
        lastTimestamp = records.getLast().timestampNanos();
    }

    private static long lastOf(List<PriceRecord> logged) {
        return logged.isEmpty() ? 0 : logged.getLast().sequence();
    }

    private List<PriceRecord> readTrusted(ResultsFileName file) throws IOException {
        if (file.firstSequence() != expected) {
            throw new IllegalStateException("Results are missing records " + expected + " to "
                                            + (file.firstSequence() - 1) + " before " + directory.pathOf(file)
                                            + ", and the log no longer holds them");
        }
        try {
            List<PriceRecord> records = directory.readRecords(file);
            if (records.size() != file.recordCount()) {
                throw new ResultsFileFormat.MalformedResultsFileException(
                        "holds " + records.size() + " records, its name says " + file.recordCount());
            }
            return records;
        } catch (ResultsFileFormat.MalformedResultsFileException e) {
            throw new IllegalStateException("Results file " + directory.pathOf(file) + " is damaged ("
                                            + e.getMessage() + ") and the log no longer holds its records", e);
        }
    }

    /** A file in the log's range: kept if it matches the log, else replaced by files written from the log. */
    private void checkAgainstLog(ResultsFileName file, List<PriceRecord> logged, long logFirst)
            throws IOException {
        List<PriceRecord> expectedRecords = slice(logged, logFirst, file.firstSequence(), file.lastSequence() + 1);
        List<PriceRecord> found;
        try {
            found = directory.readRecords(file);
        } catch (ResultsFileFormat.MalformedResultsFileException e) {
            found = List.of();
        }
        Path path = directory.pathOf(file);
        if (found.equals(expectedRecords)) {
            toSync.add(path);
            replayFile(found);
            return;
        }
        LOG.warning("Results file " + path + " does not match the log (incomplete after a crash?); rewriting it");
        directory.delete(file);
        rewritten++;
        writeGroups(expectedRecords);
    }

    /** Writes the logged records from {@link #expected} up to (excluding) {@code end} as new files. */
    private void fillFromLog(List<PriceRecord> logged, long logFirst, long end) throws IOException {
        if (end <= expected) {
            return;
        }
        if (expected < logFirst) {
            throw new IllegalStateException("Results are missing records " + expected + " to "
                                            + (Math.min(end, logFirst) - 1) + " and the log no longer holds them"
                                            + " (it starts at " + logFirst + ")");
        }
        writeGroups(slice(logged, logFirst, expected, end));
    }

    private void writeGroups(List<PriceRecord> records) throws IOException {
        List<PriceRecord> group = new ArrayList<>();
        for (PriceRecord record : records) {
            if (grouping.startsNewFile(group, record)) {
                writeFile(group);
                group = new ArrayList<>();
            }
            group.add(record);
        }
        if (!group.isEmpty()) {
            writeFile(group);
        }
    }

    private void writeFile(List<PriceRecord> records) throws IOException {
        toSync.add(directory.write(records, false)); // made durable together by the sync at the end of run()
        replayFile(records);
    }

    private static List<PriceRecord> slice(List<PriceRecord> logged, long logFirst, long from, long to) {
        return logged.subList((int) (from - logFirst), (int) (to - logFirst));
    }
}
