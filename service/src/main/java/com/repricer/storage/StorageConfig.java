package com.repricer.storage;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Storage settings. {@link #defaults(Path)} gives the values SPEC §2 names.
 *
 * @param dataDirectory       holds {@code results/}, the log and the lock
 * @param window              a results file holds records of one aligned window of this length at most
 * @param maxRecordsPerFile   a results file holds at most this many records
 * @param writeQueueCapacity  accepted reprices waiting for the log; beyond it a reprice is refused (503)
 * @param maxBatch            records written and fsync'ed together at most (group commit)
 * @param segmentBytes        a log segment is closed and a new one started past this size
 * @param resultsSyncInterval how often written results files are fsync'ed in a batch and the log trimmed; short,
 *                            because each batch is a burst of writes the log's next fsync waits behind
 * @param stripes             number of product locks (a power of two)
 * @param idempotencyKeys     idempotency keys remembered at most (the oldest are forgotten first)
 * @param idempotencyMaxAge   an idempotency key is forgotten once its record is older than this
 */
public record StorageConfig(Path dataDirectory, Duration window, int maxRecordsPerFile, int writeQueueCapacity,
                            int maxBatch, long segmentBytes, Duration resultsSyncInterval, int stripes,
                            int idempotencyKeys, Duration idempotencyMaxAge) {

    public StorageConfig {
        if (window.compareTo(Duration.ofMillis(1)) < 0 || maxRecordsPerFile < 1 || writeQueueCapacity < 1
            || maxBatch < 1 || segmentBytes < 1 || Integer.bitCount(stripes) != 1 || idempotencyKeys < 0
            || idempotencyMaxAge.isNegative() || resultsSyncInterval.isNegative()) {
            throw new IllegalArgumentException("invalid storage configuration: " + this);
        }
    }

    public static StorageConfig defaults(Path dataDirectory) {
        return new StorageConfig(dataDirectory, Duration.ofSeconds(1), 10, 8192, 2048, 8L << 20,
                                 Duration.ofMillis(100), 1024, 100_000, Duration.ofHours(24));
    }

    public StorageConfig withWindow(Duration newWindow, int newMaxRecordsPerFile) {
        return new StorageConfig(dataDirectory, newWindow, newMaxRecordsPerFile, writeQueueCapacity, maxBatch,
                                 segmentBytes, resultsSyncInterval, stripes, idempotencyKeys, idempotencyMaxAge);
    }

    public StorageConfig withWriteQueueCapacity(int capacity) {
        return new StorageConfig(dataDirectory, window, maxRecordsPerFile, capacity, maxBatch, segmentBytes,
                                 resultsSyncInterval, stripes, idempotencyKeys, idempotencyMaxAge);
    }

    public StorageConfig withIdempotencyWindow(int maxKeys, Duration maxAge) {
        return new StorageConfig(dataDirectory, window, maxRecordsPerFile, writeQueueCapacity, maxBatch,
                                 segmentBytes, resultsSyncInterval, stripes, maxKeys, maxAge);
    }

    public StorageConfig withResultsSyncInterval(Duration interval) {
        return new StorageConfig(dataDirectory, window, maxRecordsPerFile, writeQueueCapacity, maxBatch, segmentBytes,
                                 interval, stripes, idempotencyKeys, idempotencyMaxAge);
    }

    /** Small log segments, so that tests see the log roll and trim. */
    StorageConfig withSegmentBytes(long bytes) {
        return new StorageConfig(dataDirectory, window, maxRecordsPerFile, writeQueueCapacity, maxBatch, bytes,
                                 resultsSyncInterval, stripes, idempotencyKeys, idempotencyMaxAge);
    }

    public Path resultsDirectory() {
        return dataDirectory.resolve("results");
    }

    public Path temporaryDirectory() {
        return dataDirectory.resolve("tmp");
    }

    public Path logDirectory() {
        return dataDirectory.resolve("log");
    }

    Path idempotencyDirectory() {
        return dataDirectory.resolve("idempotency");
    }

    /** The index snapshot (SPEC §2: anything that is not a complete results file lives outside results/). */
    public Path indexDirectory() {
        return dataDirectory.resolve("index");
    }
}
