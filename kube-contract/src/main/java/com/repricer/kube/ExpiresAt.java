package com.repricer.kube;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The format of the {@value KubeNames#EXPIRES_AT_ANNOTATION} annotation, written by {@code debug-pod start} and read
 * by {@code debug-pod list}/{@code stop --all-expired} and the reaper — all through this class, so they cannot
 * disagree about a pod.
 *
 * <ul>
 *   <li>Written as an RFC 3339 instant in UTC, in whole seconds: {@code 2026-11-27T20:13:07Z}.</li>
 *   <li>Read as any RFC 3339 date-time with an offset ({@code Z}, {@code +02:00}; fractions of a second allowed),
 *       since a person may set it by hand with {@code kubectl annotate}.</li>
 *   <li>Whitespace around the value (spaces, tabs, a line break — what a quoted {@code kubectl annotate} value or a
 *       YAML block scalar leaves) is ignored: the writer plainly meant the instant inside it. Anything else — a
 *       date without a time, a time without an offset, epoch seconds, whitespace inside the value, an empty or
 *       blank value — is not an expiry.</li>
 * </ul>
 */
public final class ExpiresAt {

    private ExpiresAt() {
    }

    /** The annotation value for {@code expiry}, cut to whole seconds. */
    public static String format(Instant expiry) {
        return expiry.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** The instant an annotation value names; empty if {@code value} is null or not an expiry (see above). */
    public static Optional<Instant> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(value.strip()).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
