package com.repricer.storage;

import com.repricer.storage.archive.HistoryRetention;

import java.time.Duration;

/** What the storage reports as it works; the admin side turns it into Prometheus metrics. */
public interface StorageMetrics extends HistoryRetention.Metrics {

    StorageMetrics NONE = new StorageMetrics() {
    };

    /** One group commit: {@code records} entries made durable by an fsync that took {@code nanos}. */
    default void logSynced(long nanos, int records) {
    }

    /** A results file with {@code records} records was renamed into {@code results/}. */
    default void resultsFileWritten(int records) {
    }

    /** Start-up recovery finished. */
    default void recovered(Duration took, long records) {
    }
}
