package com.repricer.storage;

import java.util.Optional;

/**
 * One page of history.
 *
 * @param productId  only this product's records, or all
 * @param fromNanos  inclusive lower bound on the timestamp (epoch nanoseconds)
 * @param toNanos    exclusive upper bound on the timestamp
 * @param offset     how many matching records to skip
 * @param limit      page size
 */
public record HistoryQuery(Optional<String> productId, long fromNanos, long toNanos, long offset, int limit) {

    public HistoryQuery {
        if (offset < 0 || limit < 1) {
            throw new IllegalArgumentException("offset " + offset + ", limit " + limit);
        }
    }
}
