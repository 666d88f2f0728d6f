package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.log.WriteAheadLog;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Start-up: reads {@code results/}, checks it against the log, and replays everything into memory. It writes
 * nothing: what has to be written goes to the {@link ResultsWriter} as {@link Outcome#pending}, so a start on a
 * full disk still comes up and serves reads while the writer retries.
 *
 * <ol>
 *   <li>Files that start before the log's first record were fsync'ed before the log let go of any of their
 *       records (the log is trimmed only up to fsync'ed files): they are read as they are, and must run without
 *       gaps from sequence 1 (or from where history retention let the history start).</li>
 *   <li>Files within the log's range exist only after a crash (a clean shutdown empties the log). Even one that
 *       matches the log is written again from it, never merely fsync'ed again: after a failed writeback in the
 *       crashed process, the page cache can hold the right bytes while the disk does not, and a second fsync
 *       of clean pages writes nothing. A matching file is rewritten under its own name (a new inode renamed over
 *       it); one that a power loss left empty or torn, or that does not match, is deleted at once and its records
 *       are cut into files again.</li>
 *   <li>Logged records after the last file (the window that was open, or files a crash never wrote) are cut into
 *       files by the usual windowing rule.</li>
 * </ol>
 * The records of the last two kinds are served from memory until the writer has written and fsync'ed their files;
 * only then does the log let go of them.
 *
 * <p>Anything that cannot be repaired from the log stops the start with a message naming the file: a damaged file
 * the log no longer backs, a gap, or results that end before the history did (before the last sequence the log's
 * segment names or an index snapshot show). Guessing would break the no-loss promise silently, and starting would
 * hand out the missing records' sequence numbers again.
 *
 * <p>After an index snapshot restored records 1 to S ({@link #resumeAfter}), only the files after S are read: the
 * snapshot covers only files that were fsync'ed before it was written, so they are whole like the first kind.
 */
public final class Recovery {

    private static final Logger LOG = Logger.getLogger(Recovery.class.getName());

    /** Where recovery puts what it found, in sequence order. */
    public interface Replay {
        /** The records of a whole file already in {@code results/}. */
        void filed(List<PriceRecord> records);

        /** The records of a file still to be written, from the log. */
        void pending(List<PriceRecord> records);
    }

    private final ResultsDirectory directory;
    private final FileGrouping grouping;
    private final Replay replay;
    private final List<List<PriceRecord>> pending = new ArrayList<>();
    private long expected = 1;
    private long lastTimestamp = Long.MIN_VALUE;
    private long knownEnd;
    private String knownEndEvidence = "";
    private int replaced;

    public Recovery(ResultsDirectory directory, FileGrouping grouping, Replay replay) {
        this.directory = directory;
        this.grouping = grouping;
        this.replay = replay;
    }

    /**
     * What recovery found.
     *
     * @param nextSequence       where the sequence continues
     * @param lastTimestampNanos where the clock continues
     * @param syncedThrough      every record up to here is in a whole, fsync'ed results file
     * @param pending            the files still to be written from the log, in order; each one's records follow
     *                           {@code syncedThrough} without a gap
     * @param filesReplaced      files in the log's range that are rewritten
     */
    public record Outcome(long nextSequence, long lastTimestampNanos, long syncedThrough,
                          List<List<PriceRecord>> pending, int filesReplaced) {
    }

    /** The history starts at {@code firstSequence}: history retention deleted the records before it. */
    public void startAt(long firstSequence) {
        expected = firstSequence;
    }

    /** Continues after records 1 to {@code lastSequence}, which an index snapshot restored. */
    public void resumeAfter(long lastSequence, long lastTimestampNanos) {
        expected = lastSequence + 1;
        lastTimestamp = lastTimestampNanos;
    }

    /**
     * The history is known to have reached {@code lastSequence} (an index snapshot that no longer matches
     * {@code results/} covered it): results that end before it are damage, not a shorter history.
     *
     * @param evidence what shows it, for the message that stops the start
     */
    public void historyReached(long lastSequence, String evidence) {
        if (lastSequence > knownEnd) {
            knownEnd = lastSequence;
            knownEndEvidence = evidence;
        }
    }

    /**
     * @param files the results files to read, in sequence order: all of {@code results/}, or those after the
     *              records an index snapshot restored
     */
    public Outcome run(WriteAheadLog log, List<PriceRecord> logged, List<ResultsFileName> files) throws IOException {
        directory.clearStaging();
        historyReached(log.nextSequenceOnOpen() - 1, "the log shows the history reached "
                                                   + (log.nextSequenceOnOpen() - 1));
        long logFirst = logged.isEmpty() ? Long.MAX_VALUE : logged.getFirst().sequence();
        long syncedThrough = expected - 1;
        for (ResultsFileName file : files) {
            if (file.firstSequence() < logFirst) {
                // fsync'ed before the log let go of its first record, so whole (see trimThrough).
                replayFiled(readTrusted(file));
                syncedThrough = expected - 1;
            } else if (file.firstSequence() < expected || file.lastSequence() > lastOf(logged)) {
                throw new IllegalStateException("Results file " + directory.pathOf(file) + " overlaps records "
                                                + "already recovered or beyond the log; cannot tell which is right");
            } else {
                fillFromLog(logged, logFirst, file.firstSequence());
                replaceFromLog(file, logged, logFirst);
            }
        }
        fillFromLog(logged, logFirst, lastOf(logged) + 1);
        checkNothingMissing();
        log.continueAt(expected);
        if (replaced > 0) {
            LOG.info("Recovery found " + replaced + " results files in the log's range after a crash; they are"
                     + " written again from the log");
        }
        return new Outcome(expected, lastTimestamp, syncedThrough, List.copyOf(pending), replaced);
    }

    /** Hands one whole file's records to the replay, in order. */
    private void replayFiled(List<PriceRecord> records) {
        replay.filed(records);
        advance(records);
    }

    private void advance(List<PriceRecord> records) {
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

    /**
     * A file in the log's range: rewritten from the log. If it matches, as one file under the same name (renamed
     * over it later); if not, it is deleted now, so that files cut differently cannot overlap it.
     */
    private void replaceFromLog(ResultsFileName file, List<PriceRecord> logged, long logFirst) throws IOException {
        List<PriceRecord> expectedRecords = slice(logged, logFirst, file.firstSequence(), file.lastSequence() + 1);
        List<PriceRecord> found;
        try {
            found = directory.readRecords(file);
        } catch (ResultsFileFormat.MalformedResultsFileException e) {
            found = List.of();
        }
        replaced++;
        if (found.equals(expectedRecords)) {
            addPending(expectedRecords);
            return;
        }
        LOG.warning("Results file " + directory.pathOf(file) + " does not match the log (incomplete after a crash?);"
                    + " rewriting it");
        directory.delete(file);
        pendGroups(expectedRecords);
    }

    /** Cuts the logged records from {@link #expected} up to (excluding) {@code end} into files to write. */
    private void fillFromLog(List<PriceRecord> logged, long logFirst, long end) {
        if (end <= expected) {
            return;
        }
        if (expected < logFirst) {
            throw new IllegalStateException("Results are missing records " + expected + " to "
                                            + (Math.min(end, logFirst) - 1) + " and the log no longer holds them"
                                            + " (it starts at " + logFirst + ")");
        }
        pendGroups(slice(logged, logFirst, expected, end));
    }

    /** Results that end before the history did: their last files were lost, and their numbers must not be reused. */
    private void checkNothingMissing() {
        if (expected - 1 < knownEnd) {
            throw new IllegalStateException(
                    "Results are missing records " + expected + " to " + knownEnd + " (" + knownEndEvidence + ")"
                    + " and the log no longer holds them: results files were deleted or lost after they were"
                    + " written. Put the missing files back into " + directory.path() + " (from a backup or an"
                    + " earlier export) and start again; starting without them would give their sequence numbers"
                    + " to new records");
        }
    }

    private void pendGroups(List<PriceRecord> records) {
        List<PriceRecord> group = new ArrayList<>();
        for (PriceRecord record : records) {
            if (grouping.startsNewFile(group, record)) {
                addPending(group);
                group = new ArrayList<>();
            }
            group.add(record);
        }
        if (!group.isEmpty()) {
            addPending(group);
        }
    }

    private void addPending(List<PriceRecord> records) {
        pending.add(records);
        replay.pending(records);
        advance(records);
    }

    private static List<PriceRecord> slice(List<PriceRecord> logged, long logFirst, long from, long to) {
        return logged.subList((int) (from - logFirst), (int) (to - logFirst));
    }
}
