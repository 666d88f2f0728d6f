package com.repricer.storage;

import com.repricer.storage.archive.Archive;
import com.repricer.storage.archive.ArchivedHistory;
import com.repricer.storage.archive.SegmentName;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.HistoryTrimmedException;
import com.repricer.storage.index.ProductState;
import com.repricer.storage.results.RecordStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers history pages across the archive boundary: the archived records from the segments' {@code .idx}
 * ({@link ArchivedHistory}), the others from the in-memory {@link HistoryIndex}, which holds only those. Each
 * query reads the archive's segment list once and asks the index only for what follows its last sequence; if a
 * move or a deletion changed the boundary meanwhile, it gets a {@link HistoryTrimmedException} and the ledger asks
 * again.
 *
 * <p>Cost (docs/archive.md, "How a query reads the archive"): all products, O(log segments + log members + page)
 * — sequences are contiguous, so only {@code from} and {@code to} are looked up (in memory, or in one segment's
 * member table and one decoded file) and the page is arithmetic. One product: the postings of every segment
 * overlapping [from, to) up to the page's end, and the files naming the product in those.
 */
record HistoryReader(HistoryIndex index, RecordStore store, Archive archive, ArchivedHistory archived) {

    HistoryReader(HistoryIndex index, RecordStore store, Archive archive) {
        this(index, store, archive, new ArchivedHistory(archive));
    }

    /** One page of every product's records. */
    HistoryPage allProducts(HistoryQuery query) {
        List<SegmentName> segments = archive.segments();
        try {
            long archivedThrough = archived.lastSequence(segments);
            long first = firstAtOrAfter(segments, archivedThrough, query.fromNanos());
            long end = firstAtOrAfter(segments, archivedThrough, query.toNanos());
            if (query.offset() >= end - first) {
                return new HistoryPage(List.of(), false);
            }
            long start = first + query.offset();
            long stop = Math.min(end, start + query.limit()); // exclusive
            List<PriceRecord> records = new ArrayList<>((int) (stop - start));
            if (start <= archivedThrough) {
                records.addAll(archived.records(segments, start, Math.min(stop - 1, archivedThrough)));
            }
            long loose = Math.max(start, archivedThrough + 1);
            if (loose < stop) {
                long[] sequences = new long[(int) (stop - loose)];
                for (int i = 0; i < sequences.length; i++) {
                    sequences[i] = loose + i;
                }
                records.addAll(store.read(sequences));
            }
            return new HistoryPage(records, stop < end);
        } catch (IOException e) {
            throw archiveFailed(segments, e);
        }
    }

    /** One page of one product's records: its archived ones first, then those in the index. */
    HistoryPage oneProduct(ProductState product, String productId, HistoryQuery query) {
        List<SegmentName> segments = archive.segments();
        try {
            long archivedThrough = archived.lastSequence(segments);
            int wanted = query.limit() + 1; // one more tells whether a next page exists
            ArchivedHistory.ProductPage old = segments.isEmpty()
                    ? new ArchivedHistory.ProductPage(List.of(), query.offset())
                    : archived.productRecords(segments, productId, query.fromNanos(), query.toNanos(),
                                              query.offset(), wanted);
            List<PriceRecord> records = new ArrayList<>(old.records());
            if (records.size() == wanted) {
                return new HistoryPage(records.subList(0, query.limit()), true);
            }
            HistoryIndex.PageSequences page = index.page(product, archivedThrough, query.fromNanos(),
                                                         query.toNanos(), old.offsetLeft(),
                                                         query.limit() - records.size());
            records.addAll(store.read(page.sequences()));
            return new HistoryPage(records, page.hasNext());
        } catch (IOException e) {
            throw archiveFailed(segments, e);
        }
    }

    /** The first sequence at or after the instant, the history's end + 1 if none: in the index or the archive. */
    private long firstAtOrAfter(List<SegmentName> segments, long archivedThrough, long timestampNanos)
            throws IOException {
        long inIndex = index.firstAtOrAfter(archivedThrough, timestampNanos);
        if (inIndex > archivedThrough + 1 || segments.isEmpty()) {
            return inIndex;
        }
        return archived.firstAtOrAfter(segments, timestampNanos);
    }

    /**
     * A segment could not be read: deleted by history retention since the list was read (the query starts again
     * from the new start), or damaged.
     */
    private RuntimeException archiveFailed(List<SegmentName> segments, IOException e) {
        if (!segments.isEmpty() && archive.firstSequence() > segments.getFirst().firstSequence()) {
            return new HistoryTrimmedException("segments were deleted while they were read: " + e);
        }
        return new DamagedResultsException("archived records cannot be read (" + e.getMessage() + "); the operator"
                                           + " has to restore the archive segment");
    }
}
