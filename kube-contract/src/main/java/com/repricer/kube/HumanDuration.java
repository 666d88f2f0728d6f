package com.repricer.kube;

import java.time.Duration;

/**
 * Durations as the tools print them, like {@code kubectl get}'s AGE column: the largest unit and, below a day, the
 * next one ({@code 45s}, {@code 12m}, {@code 1h5m}, {@code 3d4h}), cut down to whole units, never rounded up. The
 * sign is the caller's to say in words ("in 5m", "5m ago"): a negative duration reads as its length.
 */
public final class HumanDuration {

    private static final long MINUTE = 60;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private HumanDuration() {
    }

    public static String format(Duration duration) {
        long seconds = Math.abs(duration.toSeconds());
        if (seconds < MINUTE) {
            return seconds + "s";
        }
        if (seconds < HOUR) {
            return seconds / MINUTE + "m";
        }
        if (seconds < DAY) {
            return seconds / HOUR + "h" + unless0(seconds % HOUR / MINUTE, "m");
        }
        return seconds / DAY + "d" + unless0(seconds % DAY / HOUR, "h");
    }

    private static String unless0(long amount, String unit) {
        return amount == 0 ? "" : amount + unit;
    }
}
