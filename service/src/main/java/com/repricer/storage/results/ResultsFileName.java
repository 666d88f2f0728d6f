package com.repricer.storage.results;

import com.repricer.storage.Timestamps;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * The one owner of results file names and their inverse.
 *
 * <pre>
 * 0000000000000000001_20261127T171307.123456789Z_10.json
 * └ first sequence ─┘ └ first record, UTC ────┘ └ record count
 * </pre>
 *
 * The sequence is zero-padded to 19 digits (every positive long) so that {@code ls} sorts files in sequence
 * order, which is also time order because timestamps increase with the sequence. The timestamp uses the ISO 8601
 * basic format: readable, and free of the colons some file systems and tools reject.
 */
public record ResultsFileName(long firstSequence, long firstTimestampNanos, int recordCount) {

    public static final String SUFFIX = ".json";
    private static final int SEQUENCE_DIGITS = 19;
    /** {@code 20261127T171307.123456789Z}. */
    private static final int TIMESTAMP_CHARS = 26;
    private static final DateTimeFormatter BASIC_UTC =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    public ResultsFileName {
        if (firstSequence < 1 || recordCount < 1) {
            throw new IllegalArgumentException("sequence and count start at 1: " + firstSequence + ", " + recordCount);
        }
    }

    /**
     * The name's parts, or empty if {@code fileName} is not exactly a results file name. Hand-written rather than
     * a regular expression and a {@link DateTimeFormatter}: a start lists every file (a million at 10 M records),
     * and those took 6 µs a name, this takes well under one.
     */
    public static Optional<ResultsFileName> parse(String fileName) {
        int length = fileName.length();
        int countStart = SEQUENCE_DIGITS + 1 + TIMESTAMP_CHARS + 1;
        int countEnd = length - SUFFIX.length();
        if (countEnd <= countStart || countEnd - countStart > 9 || !fileName.endsWith(SUFFIX)
            || fileName.charAt(SEQUENCE_DIGITS) != '_' || fileName.charAt(countStart - 1) != '_'
            || fileName.charAt(countStart) == '0') {
            return Optional.empty();
        }
        try {
            long sequence = digits(fileName, 0, SEQUENCE_DIGITS);
            long timestamp = basicUtcNanos(fileName, SEQUENCE_DIGITS + 1);
            int count = (int) digits(fileName, countStart, countEnd);
            return sequence < 1 ? Optional.empty() : Optional.of(new ResultsFileName(sequence, timestamp, count));
        } catch (NumberFormatException | ArithmeticException | DateTimeException e) {
            return Optional.empty();
        }
    }

    /** {@code uuuuMMdd'T'HHmmss.SSSSSSSSS'Z'} at {@code at}, as epoch nanoseconds. */
    private static long basicUtcNanos(String text, int at) {
        if (text.charAt(at + 8) != 'T' || text.charAt(at + 15) != '.' || text.charAt(at + 25) != 'Z') {
            throw new NumberFormatException("not a basic-format UTC timestamp");
        }
        LocalDate date = LocalDate.of((int) digits(text, at, at + 4), (int) digits(text, at + 4, at + 6),
                                      (int) digits(text, at + 6, at + 8));
        LocalTime time = LocalTime.of((int) digits(text, at + 9, at + 11), (int) digits(text, at + 11, at + 13),
                                      (int) digits(text, at + 13, at + 15));
        long seconds = Math.addExact(Math.multiplyExact(date.toEpochDay(), 86_400L), time.toSecondOfDay());
        return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), digits(text, at + 16, at + 25));
    }

    /** The ASCII digits {@code text[from, to)} as a number. */
    private static long digits(String text, int from, int to) {
        long value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new NumberFormatException("not a digit: " + c);
            }
            value = Math.addExact(Math.multiplyExact(value, 10), c - '0');
        }
        return value;
    }

    public long lastSequence() {
        return firstSequence + recordCount - 1;
    }

    @Override
    public String toString() {
        return String.format("%019d_%s_%d%s", firstSequence, BASIC_UTC.format(Timestamps.instant(firstTimestampNanos)),
                             recordCount, SUFFIX);
    }
}
