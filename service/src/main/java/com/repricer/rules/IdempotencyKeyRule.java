package com.repricer.rules;

import java.util.Optional;

/**
 * What an {@code Idempotency-Key} may be: 1–255 visible ASCII characters (a UUID, a hash, a crawler's own request
 * id). The log stores a key's length in one byte and the key in ASCII.
 */
public final class IdempotencyKeyRule {

    public static final int MAX_CHARS = 255;

    private IdempotencyKeyRule() {
    }

    /** @return what is wrong with {@code key}, or empty if it is a valid key */
    public static Optional<String> problem(String key) {
        if (key.isEmpty() || key.length() > MAX_CHARS) {
            return Optional.of("must be 1–" + MAX_CHARS + " characters long, is " + key.length());
        }
        if (!key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            return Optional.of("may hold only visible ASCII characters (no spaces or controls)");
        }
        return Optional.empty();
    }
}
