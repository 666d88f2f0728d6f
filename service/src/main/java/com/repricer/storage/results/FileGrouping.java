package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;

import java.time.Duration;
import java.util.List;

/**
 * The windowing rule of results files: a file holds records of one aligned window (timestamp ÷ window) and at
 * most {@code maxRecords}. Used by the live results writer and by recovery, so both cut files alike.
 */
public record FileGrouping(long windowNanos, int maxRecords) {

    public FileGrouping(Duration window, int maxRecords) {
        this(window.toNanos(), maxRecords);
    }

    long windowOf(long timestampNanos) {
        return Math.floorDiv(timestampNanos, windowNanos);
    }

    /** The end of {@code timestampNanos}'s window, epoch nanoseconds. */
    long windowEnd(long timestampNanos) {
        return (windowOf(timestampNanos) + 1) * windowNanos;
    }

    /** Whether {@code next} must start a new file rather than join {@code open}. */
    boolean startsNewFile(List<PriceRecord> open, PriceRecord next) {
        return !open.isEmpty() && (open.size() >= maxRecords
                                   || windowOf(next.timestampNanos()) != windowOf(open.getFirst().timestampNanos()));
    }
}
