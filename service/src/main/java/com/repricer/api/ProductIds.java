package com.repricer.api;

import java.util.Optional;

/**
 * The one rule for a product id, wherever it arrives (reprice body, query parameter, path): 1–512 UTF-8
 * bytes, no control characters (Unicode Cc), no lone surrogates. Everything else is allowed — the id never
 * becomes a file path, so {@code /}, {@code ..}, {@code %} and friends are just characters.
 */
public final class ProductIds {

    public static final int MAX_UTF8_BYTES = 512;

    private ProductIds() {
    }

    /**
     * @param name the field or parameter name to report the problem under
     * @return the problem with {@code id}, or empty if it is a valid product id
     */
    public static Optional<InvalidParam> validate(String name, String id) {
        return problem(id).map(reason -> new InvalidParam(name, reason));
    }

    private static Optional<String> problem(String id) {
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

    /** Unicode general category Cc, spelled out as the contract does (C0, DEL and C1). */
    private static boolean isControl(char c) {
        return c <= 0x1F || (c >= 0x7F && c <= 0x9F);
    }

    private static String codePoint(char c) {
        return String.format("U+%04X", (int) c);
    }
}
