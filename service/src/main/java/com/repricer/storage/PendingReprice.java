package com.repricer.storage;

import com.repricer.storage.index.ProductState;

import java.math.BigDecimal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** A reprice accepted into the write pipeline, waiting for the fsync that makes it durable. */
public final class PendingReprice {

    final ProductState product;
    public final String productId;
    public final BigDecimal previousPrice;
    public final BigDecimal newPrice;
    /** The request's {@code Idempotency-Key}, logged with the record; {@code null} if it had none. */
    public final String idempotencyKey;
    private final CompletableFuture<PriceRecord> durable = new CompletableFuture<>();

    public PendingReprice(ProductState product, String productId, BigDecimal previousPrice, BigDecimal newPrice,
                   String idempotencyKey) {
        this.product = product;
        this.productId = productId;
        this.previousPrice = previousPrice;
        this.newPrice = newPrice;
        this.idempotencyKey = idempotencyKey;
    }

    void committed(PriceRecord record) {
        durable.complete(record);
    }

    void refused(StorageUnavailableException reason) {
        durable.completeExceptionally(reason);
    }

    /**
     * Blocks until the record is durable (or refused). Never times out and ignores interrupts: once queued, the
     * record is written either way, so the caller must learn the outcome rather than answer an error.
     */
    PriceRecord await() {
        try {
            return durable.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof StorageUnavailableException refused) {
                throw new StorageUnavailableException(refused.reason(), refused.getMessage());
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
