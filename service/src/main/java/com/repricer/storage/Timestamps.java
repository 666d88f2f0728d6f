package com.repricer.storage;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The two textual forms of a record's timestamp: RFC 3339 with exactly nine fraction digits (results files)
 * and epoch seconds with a nine-digit fraction (API). Both stand for the same epoch-nanosecond instant.
 */
public final class Timestamps {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int FRACTION_DIGITS = 9;
    private static final DateTimeFormatter RFC_3339_NANOS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    /** {@code 2026-11-27T17:13:07.123456789Z}. */
    public static String rfc3339(long epochNanos) {
        return RFC_3339_NANOS.format(instant(epochNanos));
    }

    /** {@code 1795799587.523456789}. */
    public static String epochSeconds(long epochNanos) {
        StringBuilder text = new StringBuilder(24);
        appendEpochSeconds(text, epochNanos);
        return text.toString();
    }

    public static void appendEpochSeconds(StringBuilder text, long epochNanos) {
        long seconds = Math.floorDiv(epochNanos, NANOS_PER_SECOND);
        long fraction = Math.floorMod(epochNanos, NANOS_PER_SECOND);
        text.append(seconds).append('.');
        String digits = Long.toString(fraction);
        text.repeat('0', FRACTION_DIGITS - digits.length()).append(digits);
    }

    public static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, NANOS_PER_SECOND),
                                     Math.floorMod(epochNanos, NANOS_PER_SECOND));
    }

    /** @throws ArithmeticException if the instant does not fit a long of nanoseconds (beyond ~1677–2262) */
    public static long epochNanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), NANOS_PER_SECOND), instant.getNano());
    }
}
