package com.repricer.api;

import com.repricer.rules.IdempotencyKeyRule;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;

import java.util.List;

/**
 * The optional {@code Idempotency-Key} request header of {@code POST /api/reprice}: a key as
 * {@link IdempotencyKeyRule} defines it, sent at most once.
 */
final class IdempotencyKeyHeader {

    static final HeaderName NAME = HeaderNames.create("Idempotency-Key");
    /** Set on a response that repeats the record an earlier request with the same key made. */
    static final HeaderName REPLAYED = HeaderNames.create("Idempotent-Replayed");

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
        IdempotencyKeyRule.problem(key).ifPresent(reason -> {
            throw invalid(reason);
        });
        return key;
    }

    private static BadRequestException invalid(String reason) {
        return BadRequestException.of(new InvalidParam(NAME.defaultCase(), reason));
    }
}
