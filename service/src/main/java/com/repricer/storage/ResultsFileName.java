package com.repricer.storage;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern PATTERN = Pattern.compile("(\\d{19})_(\\d{8}T\\d{6}\\.\\d{9}Z)_([1-9]\\d{0,8})\\.json");
    private static final DateTimeFormatter BASIC_UTC =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    public ResultsFileName {
        if (firstSequence < 1 || recordCount < 1) {
            throw new IllegalArgumentException("sequence and count start at 1: " + firstSequence + ", " + recordCount);
        }
    }

    public static Optional<ResultsFileName> parse(String fileName) {
        Matcher m = PATTERN.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            long sequence = Long.parseLong(m.group(1));
            long timestamp = Timestamps.epochNanos(BASIC_UTC.parse(m.group(2), java.time.Instant::from));
            return sequence < 1 ? Optional.empty()
                                : Optional.of(new ResultsFileName(sequence, timestamp, Integer.parseInt(m.group(3))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
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
