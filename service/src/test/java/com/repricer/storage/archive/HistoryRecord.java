package com.repricer.storage.archive;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One record as a client sees it, in one comparable form whatever said it: the reprice answer and {@code /api/query}
 * (timestamps in epoch seconds) or a results file (RFC 3339). Prices keep the scale the client wrote; timestamps
 * are epoch seconds with 9 fraction digits; a first record's previous price is {@code null}.
 */
record HistoryRecord(String productId, String previousPrice, String price, String timestamp) {

    /** From a JSON record whose new price is named {@code priceField} ({@code newPrice} or {@code price}). */
    static HistoryRecord of(JsonObject record, String priceField) {
        JsonValue timestamp = record.get("timestamp");
        String epochSeconds = timestamp instanceof JsonNumber number
                ? number.bigDecimalValue().setScale(9).toPlainString()
                : epochSeconds(Instant.parse(record.getString("timestamp")));
        return new HistoryRecord(record.getString("productId"), price(record.get("previousPrice")),
                                 price(record.get(priceField)), epochSeconds);
    }

    private static String price(JsonValue value) {
        return value == null || value.getValueType() == JsonValue.ValueType.NULL
                ? null
                : ((JsonNumber) value).bigDecimalValue().toPlainString();
    }

    private static String epochSeconds(Instant instant) {
        return BigDecimal.valueOf(instant.getEpochSecond()).add(BigDecimal.valueOf(instant.getNano(), 9))
                         .setScale(9).toPlainString();
    }
}
