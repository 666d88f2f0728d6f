package com.repricer.storage;

import com.repricer.storage.fs.DataDirectoryLock;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.fixtures.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static com.repricer.storage.StorageFixtures.BASE;
import static com.repricer.storage.StorageFixtures.BASE_NANOS;
import static com.repricer.storage.StorageFixtures.OPEN_FILES;
import static com.repricer.storage.StorageFixtures.assertResultsConsistent;
import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.openFilesUnder;
import static com.repricer.storage.StorageFixtures.price;
import static com.repricer.storage.StorageFixtures.readResults;
import static com.repricer.storage.StorageFixtures.recordCount;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LedgerTest {

    private static final Duration HOUR = Duration.ofHours(1);
    private static final HistoryQueryBuilder ALL = new HistoryQueryBuilder(Optional.empty(), Long.MIN_VALUE,
                                                                           Long.MAX_VALUE);

    @TempDir
    Path dataDirectory;

    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();


    private StorageConfig config() {
        return StorageConfig.defaults(dataDirectory);
    }

    private record HistoryQueryBuilder(Optional<String> product, long from, long to) {
        HistoryQuery page(int pageNumber, int size) {
            return new HistoryQuery(product, from, to, (long) (pageNumber - 1) * size, size);
        }
    }

    private static HistoryQueryBuilder product(String productId, long from, long to) {
        return new HistoryQueryBuilder(Optional.of(productId), from, to);
    }

    // ---- reprice and latest ----

    @Test
    void repriceReturnsTheDurableRecordWithThePreviousPriceChain() throws Exception {
        MutableClock clock = new MutableClock(BASE);
        Ledger ledger = opened.open(config(), clock);

        PriceRecord first = ledger.reprice("p1", price("3.50"));
        clock.advance(Duration.ofMillis(400));
        PriceRecord second = ledger.reprice("p1", price("4.20"));
        PriceRecord other = ledger.reprice("p2", price("10"));

        assertThat(first, equalTo(new PriceRecord(1, "p1", null, price("3.50"), BASE_NANOS)));
        assertThat(second, equalTo(new PriceRecord(2, "p1", price("3.50"), price("4.20"), BASE_NANOS + 400_000_000)));
        assertThat(second.previousPrice().toPlainString(), is("3.50"));
        // the clock stood still: the next timestamp is one nanosecond later, never equal
        assertThat(other, equalTo(new PriceRecord(3, "p2", null, price("10"), BASE_NANOS + 400_000_001)));
        assertThat(ledger.latest("p1"), is(Optional.of(second)));
        assertThat(ledger.latest("p2"), is(Optional.of(other)));
        assertThat(ledger.latest("p3"), is(Optional.empty()));
        assertThat(ledger.recordCount(), is(3L));
    }

    @Test
    void samePriceTwiceIsStillTwoRecords() throws Exception {
        Ledger ledger = opened.open(config(), new MutableClock(BASE));

        ledger.reprice("p", price("1.00"));
        PriceRecord again = ledger.reprice("p", price("1.00"));
        PriceRecord rescaled = ledger.reprice("p", price("1.0"));

        assertThat(again.previousPrice(), equalTo(price("1.00")));
        assertThat(rescaled.previousPrice(), equalTo(price("1.00")));
        assertThat(rescaled.newPrice().toPlainString(), is("1.0"));
    }

    @Test
    void timestampsStrictlyIncreaseWhenTheWallClockStepsBack() throws Exception {
        MutableClock clock = new MutableClock(BASE);
        Ledger ledger = opened.open(config().withWindow(HOUR, 10), clock);

        PriceRecord before = ledger.reprice("p", price("1"));
        clock.set(BASE.minusSeconds(5));
        PriceRecord after1 = ledger.reprice("q", price("2"));
        PriceRecord after2 = ledger.reprice("p", price("3"));
        clock.set(BASE.plusSeconds(1));
        PriceRecord forward = ledger.reprice("p", price("4"));
        ledger.close();

        assertThat(List.of(before.timestampNanos(), after1.timestampNanos(), after2.timestampNanos(),
                           forward.timestampNanos()),
                   contains(BASE_NANOS, BASE_NANOS + 1, BASE_NANOS + 2, BASE_NANOS + 1_000_000_000));
        assertThat(assertResultsConsistent(dataDirectory, 4, HOUR, 10), contains(before, after1, after2, forward));
    }

    @Test
    void refusesBeforeRecoveryAndAfterClose() throws Exception {
        Ledger ledger = Ledger.open(config(), Clock.systemUTC(), StorageMetrics.NONE);
        try {
            StorageUnavailableException recovering =
                    assertThrows(StorageUnavailableException.class, () -> ledger.reprice("p", BigDecimal.ONE));
            assertThat(recovering.reason(), is(StorageUnavailableException.Reason.RECOVERING));
            assertThat(ledger.health().ready(), is(false));

            ledger.recover();
            assertThat(ledger.health(), equalTo(new StorageHealth(true, "ok")));
        } finally {
            ledger.close();
        }

        StorageUnavailableException closed =
                assertThrows(StorageUnavailableException.class, () -> ledger.reprice("p", BigDecimal.ONE));
        assertThat(closed.reason(), is(StorageUnavailableException.Reason.SHUTTING_DOWN));
        assertThrows(StorageUnavailableException.class, () -> ledger.latest("p"));
        assertThat(ledger.health().ready(), is(false));
    }

    // ---- results files ----

    @Test
    void filesAppearWhileServingAndKeepTheWindowingRules() throws Exception {
        Duration window = Duration.ofMillis(100);
        Ledger ledger = opened.open(config().withWindow(window, 10), Clock.systemUTC());
        List<PriceRecord> acknowledged = new ArrayList<>();

        for (int i = 0; i < 40; i++) {
            acknowledged.add(ledger.reprice("product-" + i % 4, price(i + ".25")));
        }
        // SPEC §2: a file appears within window + 1 s of its first record
        await(window.plusSeconds(1), () -> recordCount(dataDirectory) == 40, "all 40 records in results/");

        assertThat(assertResultsConsistent(dataDirectory, 40, window, 10), equalTo(acknowledged));
        try (Stream<Path> files = Files.list(dataDirectory.resolve("results"))) {
            assertThat(files.count(), is((long) readResults(dataDirectory).size()));
        }
    }

    @Test
    void aFileAppearsWithinTheDefaultWindowPlusOneSecond() throws Exception {
        Ledger ledger = opened.open(config(), Clock.systemUTC());

        PriceRecord record = ledger.reprice("p1", price("3.50"));

        await(Duration.ofSeconds(2), () -> recordCount(dataDirectory) == 1, "the record in results/");
        assertThat(readResults(dataDirectory).getFirst().records(), contains(record));
    }

    @Test
    void aFullFileIsWrittenAtOnceAndTheRestWaitsForItsWindow() throws Exception {
        // a frozen clock: every timestamp lands in the same one-hour window
        Ledger ledger = opened.open(config().withWindow(HOUR, 10), Clock.fixed(BASE, java.time.ZoneOffset.UTC));

        for (int i = 1; i <= 25; i++) {
            ledger.reprice("p" + i % 3, price(i + ".00"));
        }
        await(Duration.ofSeconds(5), () -> recordCount(dataDirectory) == 20, "two full files");
        assertThat(readResults(dataDirectory).stream().map(f -> f.name().toString()).toList(),
                   contains("0000000000000000001_20261127T171307.100000000Z_10.json",
                            "0000000000000000011_20261127T171307.100000010Z_10.json"));

        ledger.close();

        assertResultsConsistent(dataDirectory, 25, HOUR, 10);
        assertThat(readResults(dataDirectory).getLast().name().toString(),
                   is("0000000000000000021_20261127T171307.100000020Z_5.json"));
    }

    @Test
    void aRecordInAnotherWindowClosesTheOpenFile() throws Exception {
        MutableClock clock = new MutableClock(BASE); // 17:13:07.1, window 17:00–18:00
        Ledger ledger = opened.open(config().withWindow(HOUR, 10), clock);

        PriceRecord a = ledger.reprice("p", price("1"));
        clock.set(Instant.parse("2026-11-27T17:59:59.999999999Z"));
        PriceRecord b = ledger.reprice("p", price("2"));
        clock.set(Instant.parse("2026-11-27T18:00:00Z"));
        PriceRecord c = ledger.reprice("p", price("3"));

        await(Duration.ofSeconds(5), () -> recordCount(dataDirectory) == 2, "the 17:00 window's file");
        assertThat(readResults(dataDirectory).getFirst().records(), contains(a, b));

        ledger.close();

        List<StorageFixtures.ResultsFile> files = readResults(dataDirectory);
        assertThat(files.stream().map(f -> f.name().toString()).toList(),
                   contains("0000000000000000001_20261127T171307.100000000Z_2.json",
                            "0000000000000000003_20261127T180000.000000000Z_1.json"));
        assertThat(files.getLast().records(), contains(c));
    }

    @Test
    void closeWritesTheOpenWindow() throws Exception {
        Ledger ledger = opened.open(config().withWindow(HOUR, 10), Clock.fixed(BASE, java.time.ZoneOffset.UTC));

        PriceRecord record = ledger.reprice("only", price("9.99"));
        // the window ends in 47 minutes: nothing is written before close
        assertThat(readResults(dataDirectory), is(empty()));

        ledger.close();

        List<StorageFixtures.ResultsFile> files = readResults(dataDirectory);
        assertThat(files.size(), is(1));
        assertThat(files.getFirst().name(), equalTo(new ResultsFileName(1, BASE_NANOS, 1)));
        assertThat(files.getFirst().records(), contains(record));
        try (Stream<Path> staged = Files.list(dataDirectory.resolve("tmp"))) {
            assertThat(staged.toList(), is(empty()));
        }
    }

    @Test
    void closeIsIdempotentAndReleasesTheDirectory() throws Exception {
        Ledger ledger = opened.open(config(), Clock.systemUTC());
        ledger.reprice("p", price("1"));

        ledger.close();
        ledger.close();

        Ledger again = opened.open(config(), Clock.systemUTC());
        assertThat(again.recordCount(), is(1L));
    }

    /** After close, the data directory is no longer held open: no file handle of it stays behind. */
    @Test
    void closeReleasesEveryFileHandleInTheDataDirectory() throws Exception {
        assumeTrue(Files.isDirectory(OPEN_FILES), "needs /proc/self/fd (Linux)");
        Ledger ledger = opened.open(config(), Clock.systemUTC());
        ledger.reprice("p", price("1"));

        ledger.close();

        assertThat(openFilesUnder(dataDirectory.toRealPath()), is(empty()));
    }

    // ---- history ----

    /** 30 records 1 ms apart over products a, b, c; record i (1-based) has timestamp BASE + (i − 1) ms. */
    private List<PriceRecord> thirtyRecords(Ledger ledger, MutableClock clock) throws InterruptedException {
        List<PriceRecord> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            clock.set(BASE.plusMillis(i));
            records.add(ledger.reprice(String.valueOf((char) ('a' + i % 3)), price(i + ".5")));
        }
        return records;
    }

    private static List<PriceRecord> pages(Ledger ledger, HistoryQueryBuilder query, int size, int pageCount) {
        List<PriceRecord> all = new ArrayList<>();
        for (int page = 1; page <= pageCount; page++) {
            HistoryPage result = ledger.history(query.page(page, size));
            assertThat("hasNext of page " + page, result.hasNext(), is(page < pageCount));
            all.addAll(result.records());
        }
        HistoryPage beyond = ledger.history(query.page(pageCount + 1, size));
        assertThat("page past the end", beyond.records(), is(empty()));
        assertThat(beyond.hasNext(), is(false));
        return all;
    }

    @Test
    void pagesTheWholeHistoryInSequenceOrder() throws Exception {
        MutableClock clock = new MutableClock(BASE);
        Ledger ledger = opened.open(config(), clock);
        List<PriceRecord> records = thirtyRecords(ledger, clock);

        assertThat(pages(ledger, ALL, 7, 5), equalTo(records));
        assertThat(pages(ledger, ALL, 30, 1), equalTo(records));
        assertThat(pages(ledger, ALL, 1000, 1), equalTo(records));
        assertThat(ledger.history(ALL.page(3, 7)).records(), equalTo(records.subList(14, 21)));
    }

    @Test
    void pagesOneProductsHistory() throws Exception {
        MutableClock clock = new MutableClock(BASE);
        Ledger ledger = opened.open(config(), clock);
        List<PriceRecord> records = thirtyRecords(ledger, clock);
        List<PriceRecord> ofB = records.stream().filter(r -> r.productId().equals("b")).toList();

        assertThat(ofB.size(), is(10));
        assertThat(pages(ledger, product("b", Long.MIN_VALUE, Long.MAX_VALUE), 3, 4), equalTo(ofB));
        assertThat(pages(ledger, product("b", Long.MIN_VALUE, Long.MAX_VALUE), 5, 2), equalTo(ofB));
        assertThat(ledger.history(product("nobody", Long.MIN_VALUE, Long.MAX_VALUE).page(1, 10)),
                   equalTo(new HistoryPage(List.of(), false)));
    }

    @Test
    void boundsAreFromInclusiveToExclusive() throws Exception {
        MutableClock clock = new MutableClock(BASE);
        Ledger ledger = opened.open(config(), clock);
        List<PriceRecord> records = thirtyRecords(ledger, clock);
        long t5 = records.get(4).timestampNanos();
        long t12 = records.get(11).timestampNanos();

        // sequences 5..11
        assertThat(pages(ledger, new HistoryQueryBuilder(Optional.empty(), t5, t12), 3, 3),
                   equalTo(records.subList(4, 11)));
        // a bound between two records
        assertThat(pages(ledger, new HistoryQueryBuilder(Optional.empty(), t5 + 1, t12 + 1), 100, 1),
                   equalTo(records.subList(5, 12)));
        // product a holds sequences 1, 4, 7, 10, 13, …: within [5, 12) that is 7 and 10
        assertThat(pages(ledger, product("a", t5, t12), 1, 2), contains(records.get(6), records.get(9)));
        // from == to is empty, for all products and for one
        assertThat(ledger.history(new HistoryQueryBuilder(Optional.empty(), t5, t5).page(1, 10)),
                   equalTo(new HistoryPage(List.of(), false)));
        assertThat(ledger.history(product("b", t5, t5).page(1, 10)), equalTo(new HistoryPage(List.of(), false)));
        // bounds outside the data
        assertThat(ledger.history(new HistoryQueryBuilder(Optional.empty(), Long.MIN_VALUE, BASE_NANOS).page(1, 10))
                         .records(), is(empty()));
        assertThat(ledger.history(new HistoryQueryBuilder(Optional.empty(), records.getLast().timestampNanos() + 1,
                                                          Long.MAX_VALUE).page(1, 10)).records(), is(empty()));
    }

    @Test
    void historyReadsFiledAndUnfiledRecordsAlike() throws Exception {
        MutableClock clock = new MutableClock(BASE);
        Ledger ledger = opened.open(config().withWindow(HOUR, 10), clock);
        List<PriceRecord> records = thirtyRecords(ledger, clock);
        // 30 records at 10 a file: all filed at once by count
        await(Duration.ofSeconds(5), () -> recordCount(dataDirectory) == 30, "three full files");
        clock.set(BASE.plusSeconds(10));
        records.add(ledger.reprice("a", price("77"))); // stays in memory: its window is open

        assertThat(pages(ledger, ALL, 4, 8), equalTo(records));
        assertThat(ledger.history(ALL.page(3, 10)).records(), equalTo(records.subList(20, 30)));
        assertThat(pages(ledger, product("a", Long.MIN_VALUE, Long.MAX_VALUE), 4, 3),
                   equalTo(records.stream().filter(r -> r.productId().equals("a")).toList()));
    }

    // ---- restart ----

    @Test
    void aRestartContinuesSequencesTimestampsAndChains() throws Exception {
        MutableClock clock = new MutableClock(BASE);
        Ledger first = opened.open(config(), clock);
        List<PriceRecord> before = new ArrayList<>();
        before.add(first.reprice("p1", price("1.00")));
        clock.advance(Duration.ofSeconds(1));
        before.add(first.reprice("p1", price("2.00")));
        before.add(first.reprice("p2", price("5")));
        first.close();

        clock.set(BASE.minus(HOUR)); // the wall clock went back an hour over the restart
        Ledger second = opened.open(config(), clock);

        assertThat(second.recordCount(), is(3L));
        assertThat(second.latest("p1"), is(Optional.of(before.get(1))));
        assertThat(second.latest("p2"), is(Optional.of(before.get(2))));
        assertThat(pages(second, ALL, 2, 2), equalTo(before));

        PriceRecord p1 = second.reprice("p1", price("3.00"));
        PriceRecord p2 = second.reprice("p2", price("6"));
        PriceRecord p3 = second.reprice("p3", price("7"));

        assertThat(p1, equalTo(new PriceRecord(4, "p1", price("2.00"), price("3.00"),
                                               before.getLast().timestampNanos() + 1)));
        assertThat(p2.sequence(), is(5L));
        assertThat(p2.previousPrice(), equalTo(price("5")));
        assertThat(p3.sequence(), is(6L));
        assertThat(p3.previousPrice(), is(nullValue()));
        second.close();

        List<PriceRecord> all = assertResultsConsistent(dataDirectory, 6, Duration.ofSeconds(1), 10);
        assertThat(all.subList(3, 6), contains(p1, p2, p3));
    }

    @Test
    void manyRestartsKeepSequencesGapFree() throws Exception {
        List<PriceRecord> acknowledged = new ArrayList<>();
        for (int run = 0; run < 5; run++) {
            Ledger ledger = opened.open(config(), Clock.systemUTC());
            assertThat(ledger.recordCount(), is((long) acknowledged.size()));
            for (int i = 0; i < 7; i++) {
                acknowledged.add(ledger.reprice("p" + i % 2, price((run + 1) + "." + i)));
            }
            ledger.close();
        }

        assertThat(acknowledged.stream().map(PriceRecord::sequence).toList(),
                   equalTo(LongStream.rangeClosed(1, 35).boxed().toList()));
        assertThat(assertResultsConsistent(dataDirectory, 35, Duration.ofSeconds(1), 10), equalTo(acknowledged));
    }

    // ---- one instance per data directory ----

    @Test
    void aSecondOpenOnADirectoryInUseFailsNamingTheDirectoryAndTheLock() throws Exception {
        Ledger first = opened.open(config(), Clock.systemUTC());
        first.reprice("p", price("1"));

        DataDirectoryInUseException refused = assertThrows(DataDirectoryInUseException.class,
                () -> Ledger.open(config(), Clock.systemUTC(), StorageMetrics.NONE));

        assertThat(refused.getMessage(), containsString(dataDirectory.toAbsolutePath().toString()));
        assertThat(refused.getMessage(),
                   containsString(dataDirectory.resolve(DataDirectoryLock.FILE_NAME).toAbsolutePath().toString()));
        // the refused instance did not disturb the running one
        assertThat(first.reprice("p", price("2")).previousPrice(), equalTo(price("1")));

        first.close();
        Ledger second = opened.open(config(), Clock.systemUTC());
        assertThat(second.latest("p").map(PriceRecord::newPrice), is(Optional.of(price("2"))));
    }

    @Test
    void resultsHoldsOnlyResultsFiles() throws Exception {
        Ledger ledger = opened.open(config().withWindow(Duration.ofMillis(50), 3), Clock.systemUTC());
        for (int i = 0; i < 10; i++) {
            ledger.reprice("p", price(String.valueOf(i + 1)));
        }
        ledger.close();

        try (Stream<Path> files = Files.list(dataDirectory.resolve("results"))) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertThat(names.size(), greaterThan(3));
            names.forEach(name -> assertThat(name, ResultsFileName.parse(name).isPresent(), is(true)));
        }
    }
}
