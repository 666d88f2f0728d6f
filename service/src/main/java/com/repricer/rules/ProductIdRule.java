package com.repricer.rules;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The one rule for a product id, wherever it arrives (reprice body, query parameter, path) and wherever it is
 * stored (log entry, index snapshot): 1–512 UTF-8 bytes, no control characters (Unicode Cc), no lone surrogates.
 * Everything else is allowed — the id never becomes a file path, so {@code /}, {@code ..}, {@code %} and friends
 * are just characters.
 */
public final class ProductIdRule {

    /** The storage formats give an id's length as a short and promise no more than this. */
    public static final int MAX_UTF8_BYTES = 512;

    private ProductIdRule() {
    }

    /** @return what is wrong with {@code id}, or empty if it is a valid product id */
    public static Optional<String> problem(String id) {
        if (id.isEmpty()) {
            return Optional.of("must not be empty");
        }
        long utf8Bytes = 0;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))) {
                utf8Bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                // Has no UTF-8 form at all, so it could never be written back out faithfully.
                return Optional.of("must not contain a lone surrogate (found " + codePoint(c) + ")");
            } else if (isControl(c)) {
                return Optional.of("must not contain control characters (found " + codePoint(c) + ")");
            } else {
                utf8Bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
        }
        if (utf8Bytes > MAX_UTF8_BYTES) {
            return Optional.of("must be at most " + MAX_UTF8_BYTES + " UTF-8 bytes (is " + utf8Bytes + ")");
        }
        return Optional.empty();
    }

    /**
     * The id's UTF-8 bytes, or {@code null} if it has a lone surrogate: it has no UTF-8 form, and
     * {@code getBytes} would turn it into {@code ?}, making two different ids one.
     */
    public static byte[] utf8(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1))) {
                    i++;
                } else {
                    return null;
                }
            }
        }
        return id.getBytes(StandardCharsets.UTF_8);
    }

    /** Unicode general category Cc, spelled out as the contract does (C0, DEL and C1). */
    private static boolean isControl(char c) {
        return c <= 0x1F || (c >= 0x7F && c <= 0x9F);
    }

    private static String codePoint(char c) {
        return String.format("U+%04X", (int) c);
    }
}
