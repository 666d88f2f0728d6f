package com.repricer.storage;

import java.util.List;

/**
 * @param records ascending by sequence (and so by timestamp)
 * @param hasNext whether matching records follow this page
 */
public record HistoryPage(List<PriceRecord> records, boolean hasNext) {
}
