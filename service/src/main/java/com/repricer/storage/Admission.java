package com.repricer.storage;

import com.repricer.storage.fs.InodeReserve;
import com.repricer.storage.idempotency.IdempotencyKeys;
import com.repricer.storage.idempotency.KnownKey;
import com.repricer.storage.index.ProductState;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.log.GroupCommitWriter;
import com.repricer.storage.results.ResultsWriter;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admission of a reprice into the write pipeline: it checks that free inodes are not below the {@link InodeReserve};
 * then, under the product's stripe lock, it checks that storage works, claims the idempotency key, reads the
 * product's accepted price as the previous price, hands the update to the {@link GroupCommitWriter} and notes the
 * new accepted price. The caller then waits for the fsync without the lock, so one product's reprices queue in
 * chain order while other products proceed in parallel.
 */
final class Admission {

    private final Stripes stripes;
    private final ProductTable products;
    private final IdempotencyKeys idempotencyKeys;
    private final GroupCommitWriter committer;
    private final ResultsWriter resultsWriter;
    private final InodeReserve inodeReserve;
    private final Clock clock;
    /** Set by {@link #close}; read under a stripe lock. */
    private volatile boolean closed;

    Admission(Stripes stripes, ProductTable products, IdempotencyKeys idempotencyKeys, GroupCommitWriter committer,
              ResultsWriter resultsWriter, InodeReserve inodeReserve, Clock clock) {
        this.stripes = stripes;
        this.products = products;
        this.idempotencyKeys = idempotencyKeys;
        this.committer = committer;
        this.resultsWriter = resultsWriter;
        this.inodeReserve = inodeReserve;
        this.clock = clock;
    }

    /**
     * Records a new price and returns once it is durable; or, if {@code idempotencyKey} already made a record
     * within the idempotency window, answers with that record and writes nothing.
     *
     * @param id the product id's UTF-8 bytes (its key in the product table), checked by the ledger
     */
    Ledger.Reprice reprice(String productId, byte[] id, BigDecimal price, String idempotencyKey) {
        while (true) {
            if (idempotencyKey != null) {
                KnownKey known = idempotencyKeys.find(idempotencyKey, nowNanos());
                if (known != null) {
                    return answerRetry(idempotencyKey, known, productId, price);
                }
            }
            PendingReprice pending = submit(productId, id, price, idempotencyKey);
            if (pending != null) {
                PriceRecord record = pending.await();
                // Unless a newer reprice of the product is in flight, the durable price is now the accepted one.
                pending.product().settled(pending);
                return new Ledger.Reprice(record, false);
            }
            // Another request claimed the key since find(): answer as a retry of that one.
        }
    }

    /** A retry of the request that made {@code known}: its outcome, if it is the same request. */
    private static Ledger.Reprice answerRetry(String key, KnownKey known, String productId, BigDecimal price) {
        return switch (known) {
            case KnownKey.InFlight(PendingReprice original) -> {
                checkSameRequest(key, productId, price, original.productId(), original.newPrice());
                yield new Ledger.Reprice(original.await(), true);
            }
            case KnownKey.Durable(PriceRecord original) -> {
                checkSameRequest(key, productId, price, original.productId(), original.newPrice());
                yield new Ledger.Reprice(original, true);
            }
        };
    }

    private static void checkSameRequest(String key, String productId, BigDecimal price, String originalProductId,
                                         BigDecimal originalPrice) {
        if (!IdempotencyKeys.sameRequest(productId, price, originalProductId, originalPrice)) {
            throw new IdempotencyKeyReusedException(key, originalProductId);
        }
    }

    /** Hands the reprice to the log; {@code null} if its idempotency key was claimed by another request. */
    private PendingReprice submit(String productId, byte[] id, BigDecimal price, String idempotencyKey) {
        String inodeShortage = inodeReserve.shortage();
        if (inodeShortage != null) {
            throw new StorageUnavailableException(StorageUnavailableException.Reason.INODE_RESERVE, inodeShortage);
        }
        PendingReprice pending;
        ReentrantLock stripe = stripes.of(productId);
        stripe.lock();
        try {
            if (closed) {
                throw new StorageUnavailableException(StorageUnavailableException.Reason.SHUTTING_DOWN,
                                                      "shutting down");
            }
            IOException failure = storageFailure();
            if (failure != null) {
                throw new StorageUnavailableException(StorageUnavailableException.Reason.FAILING,
                                                      "storage is failing: " + failure.getMessage());
            }
            ProductState product = products.get(id);
            boolean known = product != null;
            if (!known) {
                product = new ProductState(id);
            }
            pending = new PendingReprice(product, productId, product.acceptedPrice(), price, idempotencyKey);
            if (idempotencyKey != null && !idempotencyKeys.claim(idempotencyKey, pending, nowNanos())) {
                return null;
            }
            if (!committer.offer(pending)) {
                if (idempotencyKey != null) {
                    idempotencyKeys.release(idempotencyKey, pending);
                }
                throw new StorageUnavailableException(StorageUnavailableException.Reason.OVERLOADED,
                                                      "the write pipeline is full");
            }
            if (!known) {
                products.add(product);
            }
            product.accepted(pending);
        } finally {
            stripe.unlock();
        }
        return pending;
    }

    /**
     * Why new reprices are refused, or {@code null}. A failing results writer refuses them too, not only a failing
     * log: readiness is false then, its records would pile up in memory and in the untrimmed log without bound, and
     * no new file could appear in {@code results/} in time. What is already queued is still logged and answered.
     */
    private IOException storageFailure() {
        IOException logFailure = committer.failure();
        return logFailure != null ? logFailure : resultsWriter.failure();
    }

    private long nowNanos() {
        return Timestamps.epochNanos(clock.instant());
    }

    /** Admits nothing more; returns once no reprice is between its checks and its hand-off to the log. */
    void close() {
        closed = true;
        // Every reprice past its check holds a stripe: once we hold them all, none is mid-offer.
        stripes.lockAll();
        stripes.unlockAll();
    }
}
