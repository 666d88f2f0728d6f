package com.repricer.storage;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One durable price update: the unit the log, the results files and the API speak of.
 *
 * @param sequence       global sequence number, 1, 2, 3, … without gaps across restarts
 * @param productId      the product, 1–512 UTF-8 bytes
 * @param previousPrice  the product's price before this update, {@code null} for its first record
 * @param newPrice       the price this update sets
 * @param timestampNanos server timestamp in epoch nanoseconds (UTC), strictly increasing with {@code sequence}
 */
public record PriceRecord(long sequence, String productId, BigDecimal previousPrice, BigDecimal newPrice,
                          long timestampNanos) {

    public PriceRecord {
        Objects.requireNonNull(productId, "productId");
        Objects.requireNonNull(newPrice, "newPrice");
    }
}
