package com.repricer.bench;

import com.repricer.storage.Ledger;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.StorageMetrics;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The ledger on a real temporary directory: durable reprices from 64 threads (log append + group commit, one
 * fsync per batch), and the previous-price/latest lookup under the striped locks.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
public class LedgerBenchmark {

    private static final int PRODUCTS = 1000;

    private Ledger ledger;
    private Path directory;

    @Setup(Level.Trial)
    public void open() throws IOException, InterruptedException {
        directory = Files.createTempDirectory("ledger-bench");
        ledger = Ledger.open(StorageConfig.defaults(directory), Clock.systemUTC(), StorageMetrics.NONE);
        ledger.recover();
        for (int i = 0; i < PRODUCTS; i++) {
            ledger.reprice("p" + i, BigDecimal.ONE);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        ledger.close();
    }

    @Benchmark
    @Threads(64)
    public PriceRecord durableReprice() throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return ledger.reprice("p" + random.nextInt(PRODUCTS), BigDecimal.valueOf(random.nextInt(1, 100_000), 2));
    }

    @Benchmark
    @Threads(2)
    public Optional<PriceRecord> latest() {
        return ledger.latest("p" + ThreadLocalRandom.current().nextInt(PRODUCTS));
    }
}
