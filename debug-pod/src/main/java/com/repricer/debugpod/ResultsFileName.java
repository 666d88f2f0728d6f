package com.repricer.debugpod;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A results file name as the service writes it (README, "Results file names"), read independently of the service's
 * own code so that {@code collect} checks the service rather than trusting it:
 * {@code 0000000000000000001_20261127T171307.123456789Z_10.json} — first sequence number (19 digits), first
 * record's timestamp (UTC, ISO 8601 basic), record count.
 */
public record ResultsFileName(String name, long firstSequence, Instant firstTimestamp, int recordCount) {

    private static final Pattern PATTERN = Pattern.compile("(\\d{19})_(\\d{8}T\\d{6}\\.\\d{9}Z)_([1-9]\\d{0,8})\\.json");
    private static final DateTimeFormatter BASIC_UTC =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    public static Optional<ResultsFileName> parse(String name) {
        Matcher m = PATTERN.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            long sequence = Long.parseLong(m.group(1));
            Instant timestamp = BASIC_UTC.parse(m.group(2), Instant::from);
            return sequence < 1 ? Optional.empty()
                                : Optional.of(new ResultsFileName(name, sequence, timestamp,
                                                                  Integer.parseInt(m.group(3))));
        } catch (NumberFormatException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    public long lastSequence() {
        return firstSequence + recordCount - 1;
    }
}
