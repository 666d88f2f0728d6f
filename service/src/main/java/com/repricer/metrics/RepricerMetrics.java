package com.repricer.metrics;

import com.repricer.storage.Ledger;
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

/**
 * The service's Prometheus metrics (SPEC §3). Every meter exists from the first scrape, at zero: request
 * counters for the statuses each endpoint answers are registered up front. {@code docs/monitoring.md} lists them
 * with the alerts and the dashboard built on them.
 *
 * <p>Helidon 4.5's Micrometer provider backs every registry with Micrometer's global one, so two instances in
 * one JVM (only ever in tests) share meters while both run; {@link #close} removes ours so that a later
 * instance starts from zero.
 */
public final class RepricerMetrics implements StorageMetrics {

    private static final int[] KNOWN_STATUSES = {200, 400, 404, 405, 413, 500, 503};
    private static final int STATUS_CODES = 600;
    /**
     * Upper bounds of the latency histograms' buckets (fsync and requests): a local SSD syncs in well under a
     * millisecond, an Azure managed disk in a few, a reprice waits for one fsync; the fsync alert's threshold
     * (100 ms) and the slow tail up to seconds stay distinguishable.
     */
    private static final List<Duration> LATENCY_BUCKETS =
            List.of(Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
                    Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
                    Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
                    Duration.ofMillis(2_500), Duration.ofSeconds(5), Duration.ofSeconds(10));

    private final MeterRegistry registry;
    /** By endpoint ordinal and status code: looked up on every request, so no key is built. */
    private final AtomicReferenceArray<Counter>[] requests;
    private final Map<Endpoint, Counter> rejections = new EnumMap<>(Endpoint.class);
    private final Map<Endpoint, Timer> durations = new EnumMap<>(Endpoint.class);
    private final Timer fsync;
    private final Counter resultsFiles;
    private final Counter recordsWritten;
    private final Counter logRecords;
    private final Counter archiveFailures;
    private final Counter archiveSegmentsDeleted;
    private final AtomicLong resultsPending = new AtomicLong();
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
            durations.put(endpoint, registry.getOrCreate(
                    latencyHistogram("repricer_request_duration")
                            .description("API requests from routing to the response sent, body reading included")
                            .tags(List.of(Tag.create("endpoint", endpoint.label())))));
            rejections.put(endpoint, registry.getOrCreate(
                    Counter.builder("repricer_rejections")
                           .description("Requests refused with 503 because a concurrency limit or the write "
                                        + "pipeline was full")
                           .tags(List.of(Tag.create("endpoint", endpoint.label())))));
        }
        fsync = registry.getOrCreate(latencyHistogram("repricer_log_fsync")
                                             .description("Duration of one group-commit fsync of the log"));
        logRecords = registry.getOrCreate(Counter.builder("repricer_log_records")
                                                 .description("Records made durable in the log (accepted reprices; "
                                                              + "idempotent replays write nothing)"));
        resultsFiles = registry.getOrCreate(Counter.builder("repricer_results_files_written")
                                                   .description("Results files renamed into results/"));
        recordsWritten = registry.getOrCreate(Counter.builder("repricer_records_written")
                                                     .description("Records written into results files"));
        archiveFailures = registry.getOrCreate(Counter.builder("repricer_archive_failures")
                                                      .description("Moves of results files into the archive that "
                                                                   + "failed (the files stay in results/, retried)"));
        archiveSegmentsDeleted = registry.getOrCreate(
                Counter.builder("repricer_archive_segments_deleted")
                       .description("Archive segments deleted by repricer.history.retention"));
        registry.getOrCreate(Gauge.builder("repricer_recovery_seconds",
                                           () -> recoveryMillis.get() / 1000.0)
                                  .description("How long start-up recovery took"));
        registry.getOrCreate(Gauge.builder("repricer_results_pending_records", resultsPending::get)
                                  .description("Records durable in the log and not yet in a results file: how far "
                                               + "the results writer is behind"));
    }

    /**
     * Reports the storage's state (read at each scrape): readiness and the write pipeline's depth and capacity.
     * Call once the storage exists, before the admin port serves.
     */
    public void watchStorage(Ledger ledger, int writeQueueCapacity) {
        registry.getOrCreate(Gauge.builder("repricer_storage_ready", () -> ledger.health().ready() ? 1 : 0)
                                  .description("1 while the storage takes and serves requests (readiness), 0 while "
                                               + "recovering, shutting down or while writes fail"));
        registry.getOrCreate(Gauge.builder("repricer_write_queue_depth", ledger::writeQueueDepth)
                                  .description("Reprices accepted and waiting for the log"));
        registry.getOrCreate(Gauge.builder("repricer_write_queue_capacity", () -> writeQueueCapacity)
                                  .description("Reprices that may wait for the log; beyond it a reprice gets 503"));
        registry.getOrCreate(Gauge.builder("repricer_archive_segments", () -> ledger.archiveStatus().segments())
                                  .description("Segments in the archive store (docs/archive.md)"));
        registry.getOrCreate(Gauge.builder("repricer_archive_bytes", () -> ledger.archiveStatus().bytes())
                                  .description("Bytes of the archive's segments, data and index"));
        registry.getOrCreate(Gauge.builder("repricer_archive_lag_seconds", () -> ledger.archiveStatus().lagSeconds())
                                  .description("How far the oldest window in results/ is past the local retention; "
                                               + "up to one segment span while archiving keeps up"));
        registry.getOrCreate(Gauge.builder("repricer_results_loose_files", () -> ledger.archiveStatus().looseFiles())
                                  .description("Results files in results/ (the archive holds the older ones)"));
    }

    /**
     * A timer exposed as a Prometheus histogram with {@link #LATENCY_BUCKETS}: buckets, not client-side quantiles,
     * so that Prometheus takes histogram_quantile over any window and across instances (a histogram carrying
     * quantile samples is what promtool check metrics rejects).
     */
    private static Timer.Builder latencyHistogram(String name) {
        return Timer.builder(name)
                    .percentiles(new double[0])
                    .publishPercentileHistogram(false)
                    .buckets(LATENCY_BUCKETS.toArray(Duration[]::new));
    }

    @Override
    public void archiveFailed() {
        archiveFailures.increment();
    }

    @Override
    public void archiveSegmentsDeleted(int count) {
        archiveSegmentsDeleted.increment(count);
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

    public void requestCompleted(Endpoint endpoint, int status, long nanos) {
        requestCounter(endpoint, status).increment();
        durations.get(endpoint).record(nanos, TimeUnit.NANOSECONDS);
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
        logRecords.increment(records);
        resultsPending.addAndGet(records);
    }

    @Override
    public void resultsFileWritten(int records) {
        resultsFiles.increment();
        recordsWritten.increment(records);
        resultsPending.addAndGet(-records);
    }

    @Override
    public void recovered(Duration took, long records) {
        recoveryMillis.set(took.toMillis());
    }
}
