package com.repricer.bench;

import com.repricer.storage.Ledger;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.StorageMetrics;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fills a data directory with history through the service's own storage code (not over HTTP, to keep runs
 * short): {@code HistoryLoader <data-dir> <records> <products> <hot-product-records>}. The product {@code hot}
 * gets {@code hot-product-records} of the records, spread evenly; the rest cycle over {@code p0 … p<products-1>}.
 * Many virtual threads write at once so that group commit batches them. The results files lag behind the log
 * while loading; the loader waits until they hold every record before it closes, so that the close ends within its
 * time budget and writes the index snapshot, and the next start reads no results file.
 */
public final class HistoryLoader {

    private static final int WRITERS = 2048;
    private static final long CATCH_UP_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(30);

    private HistoryLoader() {
    }

    public static void main(String[] args) throws Exception {
        Path dataDirectory = Path.of(args[0]);
        long records = Long.parseLong(args[1]);
        int products = Integer.parseInt(args[2]);
        long hotRecords = Long.parseLong(args[3]);
        long hotEvery = hotRecords == 0 ? Long.MAX_VALUE : Math.max(1, records / hotRecords);
        long started = System.nanoTime();
        AtomicLong filed = new AtomicLong();
        StorageMetrics countFiled = new StorageMetrics() {
            @Override
            public void resultsFileWritten(int recordsInFile) {
                filed.addAndGet(recordsInFile);
            }
        };
        try (Ledger ledger = Ledger.open(StorageConfig.defaults(dataDirectory), Clock.systemUTC(), countFiled)) {
            ledger.recover();
            long base = ledger.recordCount();
            AtomicLong next = new AtomicLong();
            try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int w = 0; w < WRITERS; w++) {
                    writers.submit(() -> {
                        for (long n = next.getAndIncrement(); n < records; n = next.getAndIncrement()) {
                            String product = n % hotEvery == 0 ? "hot" : "p" + (n % products);
                            ledger.reprice(product, BigDecimal.valueOf(n % 100_000 + 1, 2));
                        }
                        return null;
                    });
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("Loaded %d records (now %d) in %.1f s: %.0f records/s%n", records,
                              base + records, seconds, records / seconds);
            long waitStarted = System.nanoTime();
            while (filed.get() < records && System.nanoTime() - waitStarted < CATCH_UP_TIMEOUT_NANOS) {
                Thread.sleep(100);
            }
            System.out.printf("Results files caught up %.1f s later (%d of %d records filed)%n",
                              (System.nanoTime() - waitStarted) / 1e9, filed.get(), records);
        }
    }
}
