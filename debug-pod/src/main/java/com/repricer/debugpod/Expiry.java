package com.repricer.debugpod;

import com.repricer.kube.ExpiresAt;
import com.repricer.kube.HumanDuration;
import com.repricer.kube.KubeNames;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a debug pod lives. The {@value KubeNames#EXPIRES_AT_ANNOTATION} annotation is the authority (the reaper
 * in {@code operator-tools} deletes the pod after it; {@link ExpiresAt} owns its format);
 * {@code activeDeadlineSeconds} is a backstop for when the reaper is not running: the kubelet stops the pod
 * {@link #BACKSTOP_GRACE} after its TTL (the pod then shows {@code Failed/DeadlineExceeded} until it is deleted).
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
        return ExpiresAt.format(now.plus(ttl));
    }

    public static long activeDeadlineSeconds(Duration ttl) {
        return ttl.plus(BACKSTOP_GRACE).toSeconds();
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
            throw new IllegalArgumentException("TTL must be more than 0 and at most " + HumanDuration.format(MAX_TTL)
                                               + ": " + text);
        }
        return ttl;
    }

    private static long group(Matcher m, int group) {
        return m.group(group) == null ? 0 : Long.parseLong(m.group(group));
    }
}
