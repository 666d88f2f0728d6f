package com.repricer.storage.snapshot;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.results.FileTable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

/**
 * What a start restores from the index snapshot in a folder, into a fresh index, as the ledger restores it: for
 * tests to compare with the records the snapshot should hold.
 */
public record RestoredIndex(IndexSnapshotStore.Chain chain, HistoryIndex index, FileTable files,
                            ProductTable products) {

    public static RestoredIndex of(Path indexDirectory) {
        HistoryIndex index = new HistoryIndex();
        FileTable files = new FileTable(index);
        ProductTable products = new ProductTable();
        IndexSnapshotStore.Chain chain = new IndexSnapshotStore(indexDirectory, StorageFiles.DEFAULT)
                .restore(index, files, products);
        return new RestoredIndex(chain, index, files, products);
    }

    public long lastSequence() {
        return chain.lastSequence();
    }

    /** Each product's last record, by id. */
    public Map<String, PriceRecord> lastOfEachProduct() {
        Map<String, PriceRecord> last = new TreeMap<>();
        products.forEach(product -> {
            String id = new String(product.id, StandardCharsets.UTF_8);
            last.put(id, product.latest(id));
        });
        return last;
    }

    /** Each product's record sequences, by id. */
    public Map<String, List<Long>> sequences() {
        Map<String, List<Long>> sequences = new TreeMap<>();
        products.forEach(product -> sequences.put(new String(product.id, StandardCharsets.UTF_8),
                                                  IntStream.range(0, product.size()).mapToObj(product::sequenceAt)
                                                           .toList()));
        return sequences;
    }

    public List<Long> timestamps() {
        return LongStream.rangeClosed(1, index.size()).map(index::timestampOf).boxed().toList();
    }

    public int[] fileRecordCounts() {
        return files.countsBetween(0, chain.lastSequence());
    }

    /** The records of {@code records} grouped as {@link #sequences} groups the restored ones. */
    public static Map<String, List<Long>> sequencesOf(List<PriceRecord> records) {
        Map<String, List<Long>> sequences = new TreeMap<>();
        records.forEach(r -> sequences.computeIfAbsent(r.productId(), p -> new ArrayList<>()).add(r.sequence()));
        return sequences;
    }

    /** The last record of each product in {@code records}. */
    public static Map<String, PriceRecord> lastOfEachProduct(List<PriceRecord> records) {
        Map<String, PriceRecord> last = new TreeMap<>();
        records.forEach(r -> last.put(r.productId(), r));
        return last;
    }
}
