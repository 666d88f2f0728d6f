/**
 * What the storage keeps in memory to answer without touching disk: every product's state in the
 * {@link com.repricer.storage.index.ProductTable}, and the {@link com.repricer.storage.index.HistoryIndex} (a
 * timestamp per record, each product's record positions). One writer thread, readers without locks.
 */
package com.repricer.storage.index;
