package com.repricer.storage;

import com.repricer.storage.idempotency.IdempotencyKeys;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.ProductState;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.log.GroupCommitWriter;
import com.repricer.storage.results.RecordStore;
import com.repricer.storage.results.ResultsWriter;

import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * What a group commit's outcome does to the rest of the storage. Durable: the records become readable (memory,
 * index, the product's last record), their idempotency keys durable, and they go on to the results writer; only
 * then are their callers released. Failed: the failure rollback — every product's accepted price falls back to
 * its last durable one and every reprice in flight is refused.
 */
final class CommitOutcome implements GroupCommitWriter.Listener {

    private static final Logger LOG = Logger.getLogger(CommitOutcome.class.getName());

    private final Stripes stripes;
    private final ProductTable products;
    private final HistoryIndex index;
    private final RecordStore store;
    private final IdempotencyKeys idempotencyKeys;
    private final ResultsWriter resultsWriter;

    CommitOutcome(Stripes stripes, LedgerState state, IdempotencyKeys idempotencyKeys, ResultsWriter resultsWriter) {
        this.stripes = stripes;
        this.products = state.products();
        this.index = state.index();
        this.store = state.store();
        this.idempotencyKeys = idempotencyKeys;
        this.resultsWriter = resultsWriter;
    }

    @Override
    public void durable(List<PriceRecord> records, List<PendingReprice> pending) {
        for (int i = 0; i < records.size(); i++) {
            PriceRecord record = records.get(i);
            PendingReprice reprice = pending.get(i);
            store.addUnfiled(record);
            reprice.product().publish(record, index);
            if (reprice.idempotencyKey() != null) {
                idempotencyKeys.durable(reprice.idempotencyKey(), reprice, record);
            }
        }
        resultsWriter.accept(records);
        for (int i = 0; i < records.size(); i++) {
            pending.get(i).committed(records.get(i));
        }
        index.dropDeletedPositions(products); // after history retention deleted records: on this, the writer thread
    }

    @Override
    public void failed(List<PendingReprice> group, IOException cause, Supplier<List<PendingReprice>> stillQueued) {
        StorageUnavailableException refusal = new StorageUnavailableException(
                StorageUnavailableException.Reason.FAILING, "storage failed: " + cause.getMessage());
        stripes.lockAll();
        try {
            group.addAll(stillQueued.get());
            // Nothing after the last durable record survives: every product's chain restarts from there.
            for (PendingReprice reprice : group) {
                if (reprice.idempotencyKey() != null) {
                    idempotencyKeys.release(reprice.idempotencyKey(), reprice);
                }
                ProductState product = reprice.product();
                product.rollBack();
                if (!product.hasRecords()) {
                    products.remove(product);
                }
            }
        } finally {
            stripes.unlockAll();
        }
        group.forEach(reprice -> reprice.refused(refusal));
        LOG.warning("Refused " + group.size() + " reprices after a storage failure");
    }
}
