package com.repricer.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static com.repricer.storage.StorageFixtures.assertResultsConsistent;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/** Real threads against a real data directory; afterwards the files must tell one consistent story. */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LedgerConcurrencyTest {

    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final int MAX_RECORDS = 10;

    @TempDir
    Path dataDirectory;

    private Ledger ledger;

    @AfterEach
    void close() {
        if (ledger != null) {
            ledger.close();
        }
    }

    /** One thread's reprices: product and price of each, in the order it sends them. */
    private record Work(List<String> products, List<BigDecimal> prices) {
    }

    /**
     * Runs every work list on its own virtual thread, all released together, and returns what each got back.
     * Fails (rather than hangs) if the ledger does not answer within the timeout.
     */
    private List<List<PriceRecord>> runTogether(List<Work> work, Duration timeout) throws Exception {
        CountDownLatch ready = new CountDownLatch(work.size());
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<PriceRecord>>> futures = new ArrayList<>();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (Work w : work) {
                futures.add(threads.submit(() -> {
                    ready.countDown();
                    start.await();
                    List<PriceRecord> answers = new ArrayList<>();
                    for (int i = 0; i < w.products().size(); i++) {
                        answers.add(ledger.reprice(w.products().get(i), w.prices().get(i)));
                    }
                    return answers;
                }));
            }
            assertThat("all threads ready", ready.await(10, TimeUnit.SECONDS), is(true));
            start.countDown();
            long deadline = System.nanoTime() + timeout.toNanos();
            List<List<PriceRecord>> results = new ArrayList<>();
            for (Future<List<PriceRecord>> future : futures) {
                results.add(future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return results;
        } finally {
            // on success every task is done; on failure interrupt the rest instead of waiting for them forever
            threads.shutdownNow();
        }
    }

    /** The file story matches the answers: every acknowledged record is in the files, as acknowledged. */
    private void assertFilesMatch(List<List<PriceRecord>> answers, List<Work> work) {
        int total = answers.stream().mapToInt(List::size).sum();
        Map<String, PriceRecord> latestBeforeClose = new HashMap<>();
        for (List<PriceRecord> thread : answers) {
            for (PriceRecord record : thread) {
                latestBeforeClose.put(record.productId(), ledger.latest(record.productId()).orElseThrow());
            }
        }
        ledger.close();

        List<PriceRecord> inFiles = assertResultsConsistent(dataDirectory, total, WINDOW, MAX_RECORDS);

        List<PriceRecord> acknowledged = answers.stream().flatMap(List::stream).toList();
        assertThat(inFiles, containsInAnyOrder(acknowledged.toArray()));
        // every thread's own reprices were ordered: their sequences increase in the order it sent them
        for (List<PriceRecord> thread : answers) {
            for (int i = 1; i < thread.size(); i++) {
                assertThat(thread.get(i).sequence(), greaterThan(thread.get(i - 1).sequence()));
            }
        }
        // each product's prices in the files are exactly the prices sent for it
        Map<String, List<BigDecimal>> sent = new HashMap<>();
        for (Work w : work) {
            for (int i = 0; i < w.products().size(); i++) {
                sent.computeIfAbsent(w.products().get(i), p -> new ArrayList<>()).add(w.prices().get(i));
            }
        }
        Map<String, List<BigDecimal>> filed = inFiles.stream().collect(
                Collectors.groupingBy(PriceRecord::productId, Collectors.mapping(PriceRecord::newPrice,
                                                                                 Collectors.toList())));
        assertThat(filed.keySet(), equalTo(sent.keySet()));
        sent.forEach((product, prices) -> assertThat(product, filed.get(product),
                                                     containsInAnyOrder(prices.toArray())));
        // latest() showed each product's last record in the files
        Map<String, PriceRecord> lastInFiles = new HashMap<>();
        inFiles.forEach(record -> lastInFiles.put(record.productId(), record));
        assertThat(latestBeforeClose, equalTo(lastInFiles));
    }

    @Test
    void hundredParallelRepricesOverFiftyProductsAllSucceed() throws Exception {
        ledger = StorageFixtures.openAndRecover(StorageConfig.defaults(dataDirectory), Clock.systemUTC());
        List<Work> work = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            work.add(new Work(List.of("product-" + i % 50), List.of(new BigDecimal(i + 1).movePointLeft(2))));
        }

        List<List<PriceRecord>> answers = runTogether(work, Duration.ofSeconds(30));

        assertThat(answers.stream().mapToInt(List::size).sum(), is(100));
        for (int i = 0; i < 100; i++) {
            PriceRecord answer = answers.get(i).getFirst();
            assertThat(answer.productId(), is("product-" + i % 50));
            assertThat(answer.newPrice(), equalTo(work.get(i).prices().getFirst()));
        }
        // each product got two reprices: one of them saw none before it, the other saw that one's price
        for (int p = 0; p < 50; p++) {
            PriceRecord a = answers.get(p).getFirst();
            PriceRecord b = answers.get(p + 50).getFirst();
            PriceRecord earlier = a.sequence() < b.sequence() ? a : b;
            PriceRecord later = earlier == a ? b : a;
            assertThat(earlier.previousPrice(), is((BigDecimal) null));
            assertThat(later.previousPrice(), equalTo(earlier.newPrice()));
            assertThat(ledger.latest("product-" + p), is(Optional.of(later)));
        }
        assertFilesMatch(answers, work);
    }

    @Test
    void eightThreadsOfAThousandRepricesOverTwentyProducts() throws Exception {
        ledger = StorageFixtures.openAndRecover(StorageConfig.defaults(dataDirectory), Clock.systemUTC());
        List<Work> work = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            List<String> products = new ArrayList<>();
            List<BigDecimal> prices = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                products.add("product-" + (t * 7 + i) % 20);
                // unique per (thread, i), with scales 0..3 so that scale mix-ups would show
                prices.add(BigDecimal.valueOf(t * 100_000L + i + 1, i % 4));
            }
            work.add(new Work(products, prices));
        }

        List<List<PriceRecord>> answers = runTogether(work, Duration.ofSeconds(60));

        assertThat(answers.stream().mapToInt(List::size).sum(), is(8_000));
        assertThat(ledger.recordCount(), is(8_000L));
        assertFilesMatch(answers, work);
    }

    @Test
    void concurrentReadersSeeOnlyDurableRecordsInOrder() throws Exception {
        ledger = StorageFixtures.openAndRecover(StorageConfig.defaults(dataDirectory).withWindow(
                Duration.ofMillis(20), 5), Clock.systemUTC());
        List<Work> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            List<String> products = new ArrayList<>();
            List<BigDecimal> prices = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                products.add("p" + i % 3);
                prices.add(BigDecimal.valueOf(t * 1_000L + i + 1, 2));
            }
            writers.add(new Work(products, prices));
        }
        // platform threads: busy readers must not starve the virtual-thread writers of carrier threads
        AtomicBoolean writersDone = new AtomicBoolean();
        ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> reads = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                reads.add(readers.submit(() -> {
                    int pagesRead = 0;
                    while (!writersDone.get() || pagesRead == 0) {
                        HistoryPage page = ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE,
                                                                           Long.MAX_VALUE, 0, 1000));
                        List<PriceRecord> records = page.records();
                        for (int i = 0; i < records.size(); i++) {
                            assertThat(records.get(i).sequence(), is(i + 1L));
                        }
                        pagesRead++;
                        Thread.yield();
                    }
                    return pagesRead;
                }));
            }
            List<List<PriceRecord>> answers;
            try {
                answers = runTogether(writers, Duration.ofSeconds(30));
            } finally {
                writersDone.set(true);
            }
            for (Future<Integer> read : reads) {
                assertThat(read.get(30, TimeUnit.SECONDS), greaterThan(0));
            }
            assertThat(answers.stream().mapToInt(List::size).sum(), is(1_200));
        } finally {
            readers.shutdownNow();
        }
        ledger.close();
        assertResultsConsistent(dataDirectory, 1_200, Duration.ofMillis(20), 5);
    }
}
