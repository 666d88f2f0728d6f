package com.repricer.storage;

import com.repricer.storage.archive.ArchiveConfig;
import com.repricer.storage.archive.ArchiveMover;
import com.repricer.storage.archive.Azurite;
import com.repricer.storage.fs.StorageFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static com.repricer.storage.StorageFixtures.BASE_NANOS;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 13's heap target, time-compressed (run by {@code scripts/heap-soak}, not by the default suite): simulated
 * days of reprices loaded through the ledger at a fixed simulated rate, with an injected clock and the shipped
 * archive settings (local retention {@code PT24H}, hourly segments). After each simulated day everything due is
 * archived, then a full GC runs and the heap it leaves is sampled: from day 3 on (the first day fills the local
 * retention, the second is the first with a full day archived) it must stay within 5 % of day 3's, while the archive
 * grows by a day's records every day. Prints one line a day ({@code heap-soak day …}) and a summary.
 *
 * <p>Properties: {@code soak.days} (the test is skipped without it), {@code soak.rate} (simulated records a second,
 * default 20), {@code soak.products} (default 10 000), {@code soak.threads} (default 32), {@code soak.store}
 * ({@code local}, the default, or {@code azurite}: the archive in Azure Blob Storage as Azurite emulates it, started
 * by the test).
 */
class HeapSoakTest {

    private static final String DAYS = System.getProperty("soak.days");
    private static final double RATE = Double.parseDouble(System.getProperty("soak.rate", "20"));
    private static final int PRODUCTS = Integer.getInteger("soak.products", 10_000);
    private static final int THREADS = Integer.getInteger("soak.threads", 32);
    private static final boolean AZURITE = "azurite".equals(System.getProperty("soak.store", "local"));
    /** Restarts after the soak, each timed with its queries: the figures are their medians. */
    private static final int RESTARTS = 3;
    private static final long DAY_NANOS = Duration.ofDays(1).toNanos();

    @TempDir
    Path dataDirectory;
    private final AtomicLong now = new AtomicLong(BASE_NANOS);
    private final Clock clock = new StorageFixtures.UtcClock() {
        @Override
        public Instant instant() {
            return Timestamps.instant(now.get());
        }
    };

    @Test
    void theHeapAfterAFullGcStaysFlatWhileTheArchiveGrows() throws Exception {
        assumeTrue(DAYS != null, "the heap soak runs with -Dsoak.days=N (scripts/heap-soak)");
        int days = Integer.parseInt(DAYS);
        long perDay = Math.round(RATE * 86_400);
        long stepNanos = Math.round(1e9 / RATE);
        StorageConfig config = StorageConfig.defaults(dataDirectory.resolve("data"));
        ArchiveConfig archive = ArchiveConfig.defaults(config.dataDirectory())
                                             .withTiming(Duration.ofHours(24), Duration.ofHours(1));
        Azurite azurite = null;
        if (AZURITE) {
            azurite = Azurite.start(dataDirectory);
            archive = archive.withAzure(Optional.of(new ArchiveConfig.Azure(azurite.connectionString(), "soak")));
        }
        List<Long> heaps = new ArrayList<>();
        AtomicLong issued = new AtomicLong();
        long started = System.nanoTime();
        try (Ledger ledger = StorageFixtures.openAndRecover(config, archive, clock, StorageFiles.DEFAULT);
             ExecutorService workers = Executors.newFixedThreadPool(THREADS)) {
            for (int day = 1; day <= days; day++) {
                long end = day * perDay;
                List<Future<?>> running = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    running.add(workers.submit(() -> {
                        for (long i = issued.getAndIncrement(); i < end; i = issued.getAndIncrement()) {
                            long at = BASE_NANOS + i * stepNanos;
                            now.accumulateAndGet(at, Math::max);
                            ledger.reprice("sku-" + (i * 7919 % PRODUCTS), // 10.00 to 99.99
                                           BigDecimal.valueOf(i % 9_000 + 1_000, 2));
                        }
                        issued.accumulateAndGet(end, Math::min); // the ticket past the end is not used
                    }));
                }
                for (Future<?> worker : running) {
                    worker.get();
                }
                long dayEnd = BASE_NANOS + end * stepNanos;
                now.accumulateAndGet(dayEnd, Math::max);
                StorageFixtures.await(Duration.ofMinutes(2), () -> {
                    ledger.archiveNow(); // what the day made due, once the results writer has filed it
                    long loose = ledger.recordCount() - lastArchived(ledger);
                    return loose <= Math.round(RATE * (Duration.ofHours(25).toSeconds() + 1));
                }, "the day's due spans archived");
                long heap = heapAfterFullGc();
                heaps.add(heap);
                ArchiveMover.Status status = ledger.archiveStatus();
                System.out.printf(Locale.ROOT, "heap-soak day %d: %d records, %d archived in %d segments (%.1f MiB,"
                                  + " %.2f B a record), %d in the index, %d loose files; heap after full GC %.1f MiB;"
                                  + " %.0f s so far%n", day, ledger.recordCount(), lastArchived(ledger),
                                  status.segments(), status.bytes() / 1048576.0,
                                  lastArchived(ledger) == 0 ? 0 : (double) status.bytes() / lastArchived(ledger),
                                  ledger.indexedRecords(), status.looseFiles(), heap / 1048576.0,
                                  (System.nanoTime() - started) / 1e9);
                assertThat("the index holds the local retention's records, not the archived ones",
                           ledger.indexedRecords(), is(ledger.recordCount() - lastArchived(ledger)));
            }
            // The history reads back across the archive: the first and the last page.
            HistoryPage first = ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0,
                                                                10));
            assertThat(first.records().getFirst().sequence(), is(1L));
            HistoryPage last = ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE,
                                                               ledger.recordCount() - 10, 10));
            assertThat(last.records().getLast().sequence(), is(ledger.recordCount()));
            ledger.close();
            restartAndQuery(config, archive, ledger.recordCount(), lastArchived(ledger));
        } finally {
            if (azurite != null) {
                azurite.close();
            }
        }
        if (heaps.size() >= 4) {
            long base = heaps.get(2);
            long max = heaps.subList(2, heaps.size()).stream().mapToLong(Long::longValue).max().orElseThrow();
            long min = heaps.subList(2, heaps.size()).stream().mapToLong(Long::longValue).min().orElseThrow();
            System.out.printf(Locale.ROOT, "heap-soak summary: %d days at %.0f records/s simulated (%d records),"
                              + " heap after full GC day 3 %.1f MiB, days 3-%d min %.1f max %.1f MiB (%+.1f %% / %+.1f %%"
                              + " of day 3), %.0f s%n", days, RATE, days * perDay, base / 1048576.0, days,
                              min / 1048576.0, max / 1048576.0, 100.0 * (max - base) / base,
                              100.0 * (min - base) / base, (System.nanoTime() - started) / 1e9);
            assertThat("heap after full GC from day 3 on, within 5 % of day 3's", (double) max,
                       is(lessThanOrEqualTo(base * 1.05)));
            assertThat("heap after full GC from day 3 on, within 5 % of day 3's", (double) min,
                       is(greaterThanOrEqualTo(base * 0.95)));
        }
    }

    /**
     * The figures after the soak (printed, not asserted: a benchmark, not a timed test), each the median of
     * {@link #RESTARTS} restarts: how long a start over the archive takes (index snapshot present: it reads the
     * archive's listing, not its records), and query latencies into the archive after it — all products' first
     * page and a deep one, one product's first and last page over every segment. Cold: the first query after the
     * start; warm: the median of 21 after it.
     */
    private void restartAndQuery(StorageConfig config, ArchiveConfig archive, long records, long archived)
            throws Exception {
        String store = AZURITE ? "Azurite" : "local";
        long perProduct = records / PRODUCTS;
        List<HistoryQuery> queries = List.of(
                new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0, 100),
                new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, archived / 2, 100),
                new HistoryQuery(Optional.of("sku-1"), Long.MIN_VALUE, Long.MAX_VALUE, 0, 100),
                new HistoryQuery(Optional.of("sku-1"), Long.MIN_VALUE, Long.MAX_VALUE, perProduct - 100, 100));
        List<String> names = List.of("all products, page 1 of 100",
                                     "all products, page " + archived / 200 + " of 100 (middle of the archive)",
                                     "one product (" + perProduct + " records), page 1 of 100 over every segment",
                                     "one product, its last page of 100 over every segment");
        double[] starts = new double[RESTARTS];
        double[][] cold = new double[queries.size()][RESTARTS];
        double[][] warm = new double[queries.size()][RESTARTS];
        for (int run = 0; run < RESTARTS; run++) {
            long started = System.nanoTime();
            try (Ledger restarted = StorageFixtures.openAndRecover(config, archive, clock, StorageFiles.DEFAULT)) {
                starts[run] = (System.nanoTime() - started) / 1e6;
                assertThat(restarted.recordCount(), is(records));
                assertThat(restarted.indexedRecords(), is(records - archived));
                System.out.printf(Locale.ROOT, "heap-soak restart %d (%s): %.0f ms to open and recover over %d"
                                  + " archived records (index snapshot of %d records)%n", run + 1, store,
                                  starts[run], archived, restarted.restoredFromSnapshot());
                for (int q = 0; q < queries.size(); q++) {
                    double[] figures = time(restarted, queries.get(q));
                    cold[q][run] = figures[0];
                    warm[q][run] = figures[1];
                    System.out.printf(Locale.ROOT, "heap-soak query %d (%s): %s: cold %.2f ms, warm p50 %.2f ms%n",
                                      run + 1, store, names.get(q), figures[0], figures[1]);
                }
            }
        }
        System.out.printf(Locale.ROOT, "heap-soak median of %d (%s): restart %.0f ms over %d archived records in %d"
                          + " simulated days%n", RESTARTS, store, median(starts), archived, Integer.parseInt(DAYS));
        for (int q = 0; q < queries.size(); q++) {
            System.out.printf(Locale.ROOT, "heap-soak median of %d (%s): %s: cold %.2f ms, warm p50 %.2f ms%n",
                              RESTARTS, store, names.get(q), median(cold[q]), median(warm[q]));
        }
    }

    /** The first query's time and the median of 21 after it, in milliseconds; every answer the same page. */
    private static double[] time(Ledger ledger, HistoryQuery query) {
        long cold = System.nanoTime();
        HistoryPage expected = ledger.history(query);
        double coldMillis = (System.nanoTime() - cold) / 1e6;
        assertThat("a full page", expected.records().size(), is(query.limit()));
        double[] warm = new double[21];
        for (int i = 0; i < warm.length; i++) {
            long started = System.nanoTime();
            assertThat(ledger.history(query), is(expected));
            warm[i] = (System.nanoTime() - started) / 1e6;
        }
        return new double[] {coldMillis, median(warm)};
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long lastArchived(Ledger ledger) {
        var segments = ledger.archivedSegments();
        return segments.isEmpty() ? 0 : segments.getLast().lastSequence();
    }

    /** The heap in use after a full collection (G1: {@code System.gc()} is a full GC). */
    private static long heapAfterFullGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
