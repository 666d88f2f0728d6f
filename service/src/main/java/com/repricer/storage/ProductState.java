package com.repricer.storage;

import java.math.BigDecimal;

/**
 * One product's state. {@code acceptedPrice} runs ahead of the disk (the last price handed to the log, which
 * the next reprice takes as its previous price) and is guarded by the product's stripe lock; {@code latest} is
 * what readers see and only ever holds a durable record.
 */
final class ProductState {

    /** Guarded by the product's stripe lock. */
    BigDecimal acceptedPrice;
    /** The last durable record; {@code null} until the first one is. */
    volatile PriceRecord latest;
    final SequenceList sequences = new SequenceList();
}
