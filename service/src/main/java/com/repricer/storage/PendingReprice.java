package com.repricer.storage;

import com.repricer.storage.index.ProductState;

import java.math.BigDecimal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** A reprice accepted into the write pipeline, waiting for the fsync that makes it durable. */
public final class PendingReprice {

    private final ProductState product;
    private final String productId;
    private final BigDecimal previousPrice;
    private final BigDecimal newPrice;
    private final String idempotencyKey;
    private final CompletableFuture<PriceRecord> durable = new CompletableFuture<>();

    public PendingReprice(ProductState product, String productId, BigDecimal previousPrice, BigDecimal newPrice,
                          String idempotencyKey) {
        this.product = product;
        this.productId = productId;
        this.previousPrice = previousPrice;
        this.newPrice = newPrice;
        this.idempotencyKey = idempotencyKey;
    }

    /** The product's state, where the ledger notes this reprice as accepted and, once durable, publishes it. */
    public ProductState product() {
        return product;
    }

    public String productId() {
        return productId;
    }

    /** The product's accepted price when this reprice was accepted: its record's previous price. */
    public BigDecimal previousPrice() {
        return previousPrice;
    }

    public BigDecimal newPrice() {
        return newPrice;
    }

    /** The request's {@code Idempotency-Key}, logged with the record; {@code null} if it had none. */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    public void committed(PriceRecord record) {
        durable.complete(record);
    }

    public void refused(StorageUnavailableException reason) {
        durable.completeExceptionally(reason);
    }

    /**
     * Blocks until the record is durable (or refused). Never times out and ignores interrupts: once queued, the
     * record is written either way, so the caller must learn the outcome rather than answer an error.
     */
    public PriceRecord await() {
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
