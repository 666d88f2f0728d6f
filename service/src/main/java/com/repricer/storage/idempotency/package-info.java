/**
 * The idempotency window: which {@code Idempotency-Key} made which record ({@link
 * com.repricer.storage.idempotency.IdempotencyKeys}, {@link com.repricer.storage.idempotency.KnownKey}).
 */
package com.repricer.storage.idempotency;
