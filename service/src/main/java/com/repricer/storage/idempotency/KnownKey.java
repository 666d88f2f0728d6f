package com.repricer.storage.idempotency;

import com.repricer.storage.PendingReprice;
import com.repricer.storage.PriceRecord;

/**
 * What the idempotency window knows of a key: the reprice that claimed it is still waiting for the log, or the
 * durable record it made. A retry gets the reprice's outcome or the record.
 */
public sealed interface KnownKey {

    /** The reprice that claimed the key, not yet durable. */
    record InFlight(PendingReprice reprice) implements KnownKey {
    }

    /** The durable record the key made. */
    record Durable(PriceRecord record) implements KnownKey {
    }
}
