package com.repricer.api;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;

import java.util.List;

/**
 * The optional {@code Idempotency-Key} request header of {@code POST /api/reprice}: 1–255 visible ASCII
 * characters (a UUID, a hash, a crawler's own request id), sent at most once.
 */
final class IdempotencyKeyHeader {

    static final HeaderName NAME = HeaderNames.create("Idempotency-Key");
    /** Set on a response that repeats the record an earlier request with the same key made. */
    static final HeaderName REPLAYED = HeaderNames.create("Idempotent-Replayed");
    private static final int MAX_CHARS = 255;

    private IdempotencyKeyHeader() {
    }

    /**
     * @return the key, or {@code null} if the request has none
     * @throws BadRequestException if the header is repeated or its value is not a valid key
     */
    static String of(Headers headers) {
        if (!headers.contains(NAME)) {
            return null;
        }
        List<String> values = headers.get(NAME).allValues();
        if (values.size() != 1) {
            throw invalid("must be sent once, was sent " + values.size() + " times");
        }
        String key = values.getFirst();
        if (key.isEmpty() || key.length() > MAX_CHARS) {
            throw invalid("must be 1–" + MAX_CHARS + " characters long, is " + key.length());
        }
        if (!key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw invalid("may hold only visible ASCII characters (no spaces or controls)");
        }
        return key;
    }

    private static BadRequestException invalid(String reason) {
        return BadRequestException.of(new InvalidParam(NAME.defaultCase(), reason));
    }
}
