package com.repricer.api;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code from}/{@code to} query bound as epoch nanoseconds (UTC), the unit of record timestamps.
 * Two forms are accepted:
 * <ul>
 *     <li>Unix epoch seconds with an optional fraction of up to 9 digits, as the API writes timestamps
 *     ({@code 1795799587}, {@code 1795799587.523456789}); plain ASCII digits only — no sign, exponent or
 *     spaces.</li>
 *     <li>RFC 3339 date-times with an offset ({@code 2026-11-27T17:13:07.5Z}, {@code …T19:13:07+02:00}); as
 *     RFC 3339 allows, {@code t} and {@code z} may be lowercase. At most 9 fraction digits.</li>
 * </ul>
 * Instants that do not fit a long of nanoseconds (before 1677-09-21, after 2262-04-11) are rejected.
 */
final class EpochNanos {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int MAX_FRACTION_DIGITS = 9;

    private static final Pattern EPOCH_SECONDS = Pattern.compile("([0-9]+)(?:\\.([0-9]+))?");
    private static final Pattern RFC_3339 = Pattern.compile(
            "([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.([0-9]+))?"
            + "(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))");

    private static final String EXPECTED = "must be an RFC 3339 date-time with offset (e.g. 2026-11-27T17:13:07.5Z)"
                                           + " or Unix epoch seconds (e.g. 1795799587.523456789)";
    private static final String OUT_OF_RANGE = "is out of range (must lie between 1677-09-21 and 2262-04-11)";

    private EpochNanos() {
    }

    /**
     * @param name the parameter name to report a problem under
     * @throws BadRequestException naming {@code name} if {@code value} is not a supported, in-range instant
     */
    static long parse(String name, String value) {
        Matcher epoch = EPOCH_SECONDS.matcher(value);
        if (epoch.matches()) {
            return fromEpochSeconds(name, epoch.group(1), epoch.group(2));
        }
        Matcher dateTime = RFC_3339.matcher(value);
        if (dateTime.matches()) {
            return fromDateTime(name, dateTime);
        }
        throw invalid(name, EXPECTED);
    }

    private static long fromEpochSeconds(String name, String seconds, String fraction) {
        long epochSecond;
        try {
            // The pattern admits ASCII digits only; parseLong gives up as soon as the value overflows.
            epochSecond = Long.parseLong(seconds);
        } catch (NumberFormatException e) {
            throw invalid(name, OUT_OF_RANGE);
        }
        return toNanos(name, epochSecond, nanosOfSecond(name, fraction));
    }

    private static long fromDateTime(String name, Matcher m) {
        int hour = Integer.parseInt(m.group(4));
        int minute = Integer.parseInt(m.group(5));
        int second = Integer.parseInt(m.group(6));
        if (hour > 23 || minute > 59 || second > 60) {
            throw invalid(name, "has an invalid time of day");
        }
        long offsetSeconds = 0;
        if (m.group(8) != null) {
            int offsetHours = Integer.parseInt(m.group(9));
            int offsetMinutes = Integer.parseInt(m.group(10));
            if (offsetHours > 23 || offsetMinutes > 59) {
                throw invalid(name, "has an invalid offset");
            }
            offsetSeconds = (m.group(8).equals("-") ? -1 : 1) * (offsetHours * 3600L + offsetMinutes * 60L);
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                                    Integer.parseInt(m.group(3))).toEpochDay();
        } catch (DateTimeException e) {
            throw invalid(name, "has an invalid date");
        }
        int nanos = nanosOfSecond(name, m.group(7));
        // Small enough for plain long arithmetic: years 0000–9999 are a few hundred billion seconds.
        long epochSecond = epochDay * 86_400 + hour * 3_600L + minute * 60L + Math.min(second, 59) - offsetSeconds;
        if (second == 60) {
            // RFC 3339 allows second 60 for a leap second. Java time (like the service's clock) has none, so
            // 23:59:60.x is read as the first instant after it: as a bound it keeps and drops the same records.
            epochSecond++;
            nanos = 0;
        }
        return toNanos(name, epochSecond, nanos);
    }

    /** @param fraction the digits after the point, or {@code null} if there is no fraction */
    private static int nanosOfSecond(String name, String fraction) {
        if (fraction == null) {
            return 0;
        }
        if (fraction.length() > MAX_FRACTION_DIGITS) {
            throw invalid(name, "has more than " + MAX_FRACTION_DIGITS + " fraction digits (nanosecond precision)");
        }
        return Integer.parseInt(fraction + "0".repeat(MAX_FRACTION_DIGITS - fraction.length()));
    }

    private static long toNanos(String name, long epochSecond, int nanoOfSecond) {
        try {
            // For negative seconds, go via second+1 so that the earliest representable instant does not
            // overflow on the way (as Instant.toEpochMilli does).
            if (epochSecond < 0) {
                return Math.addExact(Math.multiplyExact(epochSecond + 1, NANOS_PER_SECOND),
                                     nanoOfSecond - NANOS_PER_SECOND);
            }
            return Math.addExact(Math.multiplyExact(epochSecond, NANOS_PER_SECOND), nanoOfSecond);
        } catch (ArithmeticException e) {
            throw invalid(name, OUT_OF_RANGE);
        }
    }

    private static BadRequestException invalid(String name, String reason) {
        return BadRequestException.of(new InvalidParam(name, reason));
    }
}
