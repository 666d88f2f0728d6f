package com.repricer.debugpod;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who a debug pod belongs to, as it appears in the {@code repricer.io/owner} label and in the pod name.
 *
 * <p>The value is sanitised once so it is valid in both places: lower-case letters, digits and single dashes,
 * starting and ending with a letter or digit, at most {@value #MAX_LENGTH} characters (a label value allows 63, and
 * {@code repricer-debug-<owner>-xxxxx} must stay a valid 63-character host name). {@code Alice.Smith@contoso.com}
 * becomes {@code alice-smith-contoso-com}.
 */
public record Owner(String value) {

    static final int MAX_LENGTH = 40;
    static final String UNKNOWN = "unknown";

    public Owner {
        if (!value.equals(sanitise(value))) {
            throw new IllegalArgumentException("not a sanitised owner: " + value);
        }
    }

    /** {@code --owner} if given, else {@code $USER} ({@code $USERNAME} on Windows), else {@value #UNKNOWN}. */
    public static Owner resolve(Optional<String> option, Map<String, String> environment) {
        String raw = option.or(() -> Optional.ofNullable(environment.get("USER")))
                           .or(() -> Optional.ofNullable(environment.get("USERNAME")))
                           .orElse(UNKNOWN);
        return of(raw);
    }

    public static Owner of(String raw) {
        return new Owner(sanitise(raw));
    }

    static String sanitise(String raw) {
        String dashed = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        String trimmed = trimDashes(dashed);
        if (trimmed.length() > MAX_LENGTH) {
            trimmed = trimDashes(trimmed.substring(0, MAX_LENGTH));
        }
        return trimmed.isEmpty() ? UNKNOWN : trimmed;
    }

    private static String trimDashes(String s) {
        return s.replaceAll("^-+|-+$", "");
    }

    @Override
    public String toString() {
        return value;
    }
}
