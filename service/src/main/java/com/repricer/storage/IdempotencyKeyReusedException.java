package com.repricer.storage;

/** An {@code Idempotency-Key} came back with a different request than the one it was first used for. */
public final class IdempotencyKeyReusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    IdempotencyKeyReusedException(String key, String originalProductId) {
        // No stack trace: an expected answer to a client's mistake.
        super("Idempotency-Key " + key + " was used for a different request (product " + originalProductId
              + ", another price or product now)", null, false, false);
    }
}
