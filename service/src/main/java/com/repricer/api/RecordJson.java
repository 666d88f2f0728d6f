package com.repricer.api;

import com.repricer.json.JsonStrings;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.Timestamps;

import java.math.BigDecimal;
import java.util.List;

/**
 * The API's JSON shapes of a record. Written by hand because prices must keep their scale in plain notation
 * ({@code 3.50}) and timestamps must be epoch seconds with nine fraction digits — both beyond what JSON-P's
 * generator writes; strings still go through one escaper.
 */
final class RecordJson {

    private RecordJson() {
    }

    /** POST /api/reprice: {@code {"productId","previousPrice","newPrice","timestamp"}}. */
    static String stored(PriceRecord record) {
        StringBuilder out = new StringBuilder(128);
        out.append("{\"productId\":");
        JsonStrings.appendQuoted(out, record.productId());
        out.append(",\"previousPrice\":");
        appendPrice(out, record.previousPrice());
        out.append(",\"newPrice\":");
        appendPrice(out, record.newPrice());
        return appendTimestamp(out, record).append('}').toString();
    }

    /** GET /api/product/{id}/price: {@code {"productId","price","timestamp"}}. */
    static String latest(PriceRecord record) {
        StringBuilder out = new StringBuilder(96);
        out.append("{\"productId\":");
        JsonStrings.appendQuoted(out, record.productId());
        out.append(",\"price\":");
        appendPrice(out, record.newPrice());
        return appendTimestamp(out, record).append('}').toString();
    }

    /** GET /api/query: an array of {@code {"productId","previousPrice","price","timestamp"}}. */
    static String history(List<PriceRecord> records) {
        StringBuilder out = new StringBuilder(16 + 112 * records.size());
        out.append('[');
        for (int i = 0; i < records.size(); i++) {
            PriceRecord record = records.get(i);
            out.append(i == 0 ? "{\"productId\":" : ",{\"productId\":");
            JsonStrings.appendQuoted(out, record.productId());
            out.append(",\"previousPrice\":");
            appendPrice(out, record.previousPrice());
            out.append(",\"price\":");
            appendPrice(out, record.newPrice());
            appendTimestamp(out, record).append('}');
        }
        return out.append(']').toString();
    }

    private static void appendPrice(StringBuilder out, BigDecimal price) {
        out.append(price == null ? "null" : price.toPlainString());
    }

    private static StringBuilder appendTimestamp(StringBuilder out, PriceRecord record) {
        out.append(",\"timestamp\":");
        Timestamps.appendEpochSeconds(out, record.timestampNanos());
        return out;
    }
}
