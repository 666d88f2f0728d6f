package com.repricer.metrics;

import com.repricer.storage.StorageMetrics;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;

/**
 * The service's Prometheus metrics (SPEC §3). Every meter exists from the first scrape, at zero: request
 * counters for the statuses each endpoint answers are registered up front.
 *
 * <p>Helidon 4.5's Micrometer provider backs every registry with Micrometer's global one, so two instances in
 * one JVM (only ever in tests) share meters while both run; {@link #close} removes ours so that a later
 * instance starts from zero.
 */
public final class RepricerMetrics implements StorageMetrics {

    private static final int[] KNOWN_STATUSES = {200, 400, 404, 405, 413, 500, 503};
    private static final int STATUS_CODES = 600;

    private final MeterRegistry registry;
    /** By endpoint ordinal and status code: looked up on every request, so no key is built. */
    private final AtomicReferenceArray<Counter>[] requests;
    private final Map<Endpoint, Counter> rejections = new EnumMap<>(Endpoint.class);
    private final Timer fsync;
    private final Counter resultsFiles;
    private final Counter recordsWritten;
    private final AtomicLong recoveryMillis = new AtomicLong();

    @SuppressWarnings("unchecked")
    public RepricerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.requests = new AtomicReferenceArray[Endpoint.values().length];
        for (Endpoint endpoint : Endpoint.values()) {
            requests[endpoint.ordinal()] = new AtomicReferenceArray<>(STATUS_CODES);
        }
        for (Endpoint endpoint : Endpoint.values()) {
            for (int status : KNOWN_STATUSES) {
                requestCounter(endpoint, status);
            }
            rejections.put(endpoint, registry.getOrCreate(
                    Counter.builder("repricer_rejections")
                           .description("Requests refused with 503 because a concurrency limit or the write "
                                        + "pipeline was full")
                           .tags(List.of(Tag.create("endpoint", endpoint.label())))));
        }
        fsync = registry.getOrCreate(Timer.builder("repricer_log_fsync")
                                          .description("Duration of one group-commit fsync of the log")
                                          .publishPercentileHistogram(true));
        resultsFiles = registry.getOrCreate(Counter.builder("repricer_results_files_written")
                                                   .description("Results files renamed into results/"));
        recordsWritten = registry.getOrCreate(Counter.builder("repricer_records_written")
                                                     .description("Records written into results files"));
        registry.getOrCreate(Gauge.builder("repricer_recovery_seconds",
                                           () -> recoveryMillis.get() / 1000.0)
                                  .description("How long start-up recovery took"));
    }

    /** Reports the write pipeline's depth; call once the storage exists. */
    public void watchWriteQueue(IntSupplier writeQueueDepth) {
        registry.getOrCreate(Gauge.builder("repricer_write_queue_depth", () -> writeQueueDepth.getAsInt())
                                  .description("Reprices accepted and waiting for the log"));
    }

    /** Removes this instance's meters. */
    public void close() {
        List.copyOf(registry.meters(meter -> meter.id().name().startsWith("repricer_"))).forEach(registry::remove);
    }

    /** A registry for one service instance. */
    public static MeterRegistry newRegistry() {
        return Metrics.createMeterRegistry();
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void requestCompleted(Endpoint endpoint, int status) {
        requestCounter(endpoint, status).increment();
    }

    public void rejected(Endpoint endpoint) {
        rejections.get(endpoint).increment();
    }

    private Counter requestCounter(Endpoint endpoint, int status) {
        AtomicReferenceArray<Counter> byStatus = requests[endpoint.ordinal()];
        int index = Math.floorMod(status, STATUS_CODES);
        Counter counter = byStatus.get(index);
        if (counter == null) {
            counter = registry.getOrCreate(
                    Counter.builder("repricer_requests")
                           .description("API requests by endpoint and response status")
                           .tags(List.of(Tag.create("endpoint", endpoint.label()),
                                         Tag.create("status", Integer.toString(status)))));
            byStatus.set(index, counter);
        }
        return counter;
    }

    @Override
    public void logSynced(long nanos, int records) {
        fsync.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void resultsFileWritten(int records) {
        resultsFiles.increment();
        recordsWritten.increment(records);
    }

    @Override
    public void recovered(Duration took, long records) {
        recoveryMillis.set(took.toMillis());
    }
}
