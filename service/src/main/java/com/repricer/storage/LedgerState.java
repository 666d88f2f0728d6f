package com.repricer.storage;

import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.results.FileTable;
import com.repricer.storage.results.RecordStore;
import com.repricer.storage.results.ResultsDirectory;
import com.repricer.storage.results.ResultsFileSource;

/**
 * What a ledger holds from its opening to its close: the tables recovery fills and the pipeline appends to, and
 * the results folder they point into.
 *
 * @param products  every product's state
 * @param index     the timestamp column and the products' record positions
 * @param files     which results file holds which sequence
 * @param store     where a durable record is read from (memory until filed, then its file)
 * @param directory {@code results/}
 * @param history   every filed results file, wherever it is now: {@code results/} or the archive
 */
record LedgerState(ProductTable products, HistoryIndex index, FileTable files, RecordStore store,
                   ResultsDirectory directory, ResultsFileSource history) {
}
