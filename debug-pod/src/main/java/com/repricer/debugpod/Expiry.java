package com.repricer.debugpod;

import io.fabric8.kubernetes.api.model.Pod;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a debug pod expires. The {@code repricer.io/expires-at} annotation is the authority (the reaper in
 * {@code operator-tools} deletes the pod after it); {@code activeDeadlineSeconds} is a backstop for when the reaper
 * is not running: the kubelet stops the pod {@link #BACKSTOP_GRACE} after its TTL (the pod then shows
 * {@code Failed/DeadlineExceeded} until it is deleted).
 */
public final class Expiry {

    public static final Duration DEFAULT_TTL = Duration.ofHours(2);
    /** A debug pod is throwaway: a day at most. */
    public static final Duration MAX_TTL = Duration.ofHours(24);
    static final Duration BACKSTOP_GRACE = Duration.ofMinutes(5);

    private static final Pattern TTL = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

    private Expiry() {
    }

    /** The annotation value: {@code now + ttl}, in whole seconds, RFC 3339 UTC ({@code 2026-11-27T20:13:07Z}). */
    public static String expiresAt(Instant now, Duration ttl) {
        return now.plus(ttl).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    public static long activeDeadlineSeconds(Duration ttl) {
        return ttl.plus(BACKSTOP_GRACE).toSeconds();
    }

    /** The pod's expiry, if it carries a well-formed annotation (any RFC 3339 offset is accepted). */
    public static Optional<Instant> of(Pod pod) {
        if (pod.getMetadata() == null || pod.getMetadata().getAnnotations() == null) {
            return Optional.empty();
        }
        return parse(pod.getMetadata().getAnnotations().get(DebugPodLabels.EXPIRES_AT_ANNOTATION));
    }

    static Optional<Instant> parse(String annotation) {
        if (annotation == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(annotation.strip()).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Expired: the expiry has passed. A pod without a valid expiry is never expired here (the reaper decides). */
    public static boolean isExpired(Pod pod, Instant now) {
        return of(pod).map(expiry -> !now.isBefore(expiry)).orElse(false);
    }

    /**
     * Parses a TTL: {@code 2h}, {@code 90m}, {@code 1h30m}, {@code 45s}, or ISO 8601 ({@code PT2H}); more than
     * zero and at most {@link #MAX_TTL}.
     */
    public static Duration parseTtl(String text) {
        Duration ttl;
        Matcher m = TTL.matcher(text.trim());
        if (!text.isBlank() && m.matches()) {
            ttl = Duration.ofHours(group(m, 1)).plusMinutes(group(m, 2)).plusSeconds(group(m, 3));
        } else {
            try {
                ttl = Duration.parse(text.trim());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not a TTL: '" + text + "' (examples: 2h, 90m, 1h30m, PT2H)");
            }
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("TTL must be more than 0 and at most " + human(MAX_TTL) + ": " + text);
        }
        return ttl;
    }

    private static long group(Matcher m, int group) {
        return m.group(group) == null ? 0 : Long.parseLong(m.group(group));
    }

    /** kubectl-style: {@code 45s}, {@code 12m}, {@code 1h5m}, {@code 3d4h}. */
    public static String human(Duration duration) {
        long seconds = Math.abs(duration.toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m";
        }
        if (seconds < 86_400) {
            long minutes = seconds % 3600 / 60;
            return seconds / 3600 + "h" + (minutes == 0 ? "" : minutes + "m");
        }
        long hours = seconds % 86_400 / 3600;
        return seconds / 86_400 + "d" + (hours == 0 ? "" : hours + "h");
    }
}
