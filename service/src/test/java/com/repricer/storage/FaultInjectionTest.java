package com.repricer.storage;

import com.repricer.storage.fs.FaultyStorageFiles.Fault;
import com.repricer.storage.fs.FaultyStorageFiles;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.log.WriteAheadLog;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static com.repricer.storage.StorageFixtures.OPEN_FILES;
import static com.repricer.storage.StorageFixtures.allRecords;
import static com.repricer.storage.StorageFixtures.assertResultsConsistent;
import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.openAndRecover;
import static com.repricer.storage.StorageFixtures.openFilesUnder;
import static com.repricer.storage.StorageFixtures.readResults;
import static com.repricer.storage.StorageFixtures.recordCount;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * I/O errors on fsync and rename (issue #4), injected by {@link FaultyStorageFiles} into a ledger on real files:
 * it fails closed the way it does on a full disk ({@link DiskFullTest}): reprices are refused, readiness turns
 * false, every acknowledged record stays readable and reaches {@code results/} exactly once, no partial file
 * appears there, nothing refused is ever seen, and once the fault clears writes are accepted again without a
 * restart, every product's previous-price chain continuing from its last acknowledged price.
 */
class FaultInjectionTest {

    private static final Duration WINDOW = Duration.ofMillis(50);
    private static final int MAX_RECORDS = 10;
    private static final int PRODUCTS = 5;
    private static final int CLIENTS = 4;
    /** A bound, not a wait: the results writer syncs once a second and retries a second after a failure. */
    private static final Duration SOON = Duration.ofSeconds(15);
    private static final String NEVER_STORED = "refused-before-its-first-record";

    @TempDir
    Path dataDirectory;
    private StorageConfig config;
    private FaultyStorageFiles files;
    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();

    /** Every acknowledged record, in order: one test thread reprices, so this is sequence order. */
    private final List<PriceRecord> acknowledged = new ArrayList<>();
    private final Map<String, BigDecimal> lastAcknowledgedPrice = new HashMap<>();
    /** Every attempt uses a new price, so a refused price must never be seen anywhere. */
    private final Set<BigDecimal> refusedPrices = new HashSet<>();
    private int attempts;

    @BeforeEach
    void setUp() {
        config = StorageConfig.defaults(dataDirectory).withWindow(WINDOW, MAX_RECORDS);
        files = new FaultyStorageFiles(dataDirectory);
    }


    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void failsClosedKeepsEveryAcknowledgedRecordAndRecoversWithoutARestart(Fault fault) throws Exception {
        Ledger ledger = open(files);
        acknowledgeRound(ledger);
        acknowledgeRound(ledger);
        await(SOON, () -> recordCount(dataDirectory) == acknowledged.size(), "the first records in results/");

        files.arm(fault);
        StorageUnavailableException refusal = repriceUntilRefused(ledger);

        assertThat(refusal.reason(), is(StorageUnavailableException.Reason.FAILING));
        await(SOON, () -> !ledger.health().ready(), "readiness to turn false");
        assertThat(ledger.health().reason(), containsString("fail"));
        assertThat("the fault was hit", files.injected(fault), greaterThan(0));
        assertRefused(ledger, "product-0");
        assertRefused(ledger, NEVER_STORED);
        assertServesExactlyTheAcknowledged(ledger);
        assertResultsHoldOnlyAcknowledgedCompleteFiles();

        files.disarm(fault);
        await(SOON, () -> ledger.health().ready(), "readiness to come back once the fault cleared");
        acknowledgeRound(ledger);
        assertServesExactlyTheAcknowledged(ledger);
        await(SOON, () -> recordCount(dataDirectory) == acknowledged.size(), "every record in results/");
        assertThat(assertResultsConsistent(dataDirectory, acknowledged.size(), WINDOW, MAX_RECORDS),
                   is(acknowledged));

        ledger.close();
        Ledger restarted = open(StorageFiles.DEFAULT);
        assertServesExactlyTheAcknowledged(restarted);
        restarted.close();
        assertThat(assertResultsConsistent(dataDirectory, acknowledged.size(), WINDOW, MAX_RECORDS),
                   is(acknowledged));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void aRestartAfterTheFaultRecoversEveryAcknowledgedRecordExactlyOnce(Fault fault) throws Exception {
        Ledger ledger = open(files);
        acknowledgeRound(ledger);
        files.arm(fault);
        repriceUntilRefused(ledger);
        await(SOON, () -> !ledger.health().ready(), "readiness to turn false");

        ledger.close(); // while the fault lasts: whatever cannot reach results/ stays in the log
        assertResultsHoldOnlyAcknowledgedCompleteFiles();
        // A start while the fault lasts comes up: it serves every acknowledged record (those recovery could not
        // write from memory), stays not ready and refuses reprices; once the fault clears it finishes its work
        // and takes reprices without another restart.
        Ledger restarted = open(files);
        assertThat(restarted.health().ready(), is(false));
        assertThat(restarted.health().reason(), containsString("fail"));
        assertServesExactlyTheAcknowledged(restarted);
        assertRefused(restarted, "product-0");
        assertResultsHoldOnlyAcknowledgedCompleteFiles();

        files.disarm(fault);
        await(SOON, () -> restarted.health().ready(),
              "readiness once the fault cleared (was: " + restarted.health().reason() + ")");
        assertServesExactlyTheAcknowledged(restarted);
        acknowledgeRound(restarted);
        assertServesExactlyTheAcknowledged(restarted);
        restarted.close();
        Ledger again = open(files);
        assertServesExactlyTheAcknowledged(again);
        again.close();
        assertThat(assertResultsConsistent(dataDirectory, acknowledged.size(), WINDOW, MAX_RECORDS),
                   is(acknowledged));
    }

    /** No caller waits forever, and the refusals of whole queued groups leave every product's chain whole. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void concurrentRepricesAllGetAnAnswerAndEveryChainStaysWhole(Fault fault) throws Exception {
        Ledger ledger = open(files);
        ConcurrentLinkedQueue<PriceRecord> acknowledgedConcurrently = new ConcurrentLinkedQueue<>();
        Set<BigDecimal> refused = ConcurrentHashMap.newKeySet();
        AtomicInteger nextPrice = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<?>> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            for (int client = 0; client < CLIENTS; client++) {
                clients.add(pool.submit(() -> {
                    while (!stop.get()) {
                        int attempt = nextPrice.incrementAndGet();
                        BigDecimal price = new BigDecimal(attempt + ".5");
                        try {
                            acknowledgedConcurrently.add(ledger.reprice("product-" + attempt % PRODUCTS, price));
                        } catch (StorageUnavailableException e) {
                            refused.add(price);
                            // A client backing off as Retry-After asks, so refusals do not spin: not a synchronisation.
                            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
                        }
                    }
                }));
            }
            await(SOON, () -> acknowledgedConcurrently.size() >= 100, "reprices before the fault");
            files.arm(fault);
            await(SOON, () -> !refused.isEmpty() && !ledger.health().ready(), "refusals and readiness false");
            files.disarm(fault);
            await(SOON, () -> ledger.health().ready(), "readiness to come back");
            int beforeRecovery = acknowledgedConcurrently.size();
            await(SOON, () -> acknowledgedConcurrently.size() >= beforeRecovery + 100, "reprices after the fault");
            stop.set(true);
            for (Future<?> client : clients) {
                client.get(SOON.toSeconds(), TimeUnit.SECONDS); // a caller left waiting fails here
            }
        }
        ledger.close();

        List<PriceRecord> expected = acknowledgedConcurrently.stream()
                                                             .sorted(Comparator.comparingLong(PriceRecord::sequence))
                                                             .toList();
        List<PriceRecord> stored = assertResultsConsistent(dataDirectory, expected.size(), WINDOW, MAX_RECORDS);
        assertThat(stored, is(expected));
        assertThat(stored.stream().map(PriceRecord::newPrice).noneMatch(refused::contains), is(true));
    }

    /** A roll whose folder fsync fails keeps no handle of the old segment: the writer fails closed and retries. */
    @Test
    void afterAFailedResultsFsyncTheFilesAreWrittenAnewBeforeTheNextSync() throws Exception {
        Ledger ledger = open(files);
        files.arm(Fault.RESULTS_FSYNC);
        acknowledgeRound(ledger);
        await(SOON, () -> files.injected(Fault.RESULTS_FSYNC) > 0 && !ledger.health().ready(),
              "the results fsync to fail");
        Map<Path, Object> inodes = new HashMap<>();
        List<Path> written;
        try (var listing = Files.list(dataDirectory.resolve("results"))) {
            written = listing.toList();
        }
        for (Path file : written) {
            inodes.put(file, Files.getAttribute(file, "unix:ino"));
        }
        assertThat("files written before the fsync failed", inodes.size(), greaterThan(0));

        files.disarm(Fault.RESULTS_FSYNC);
        await(SOON, () -> ledger.health().ready(), "readiness to come back once the fault cleared");

        // A second fsync of the same inodes could succeed without writing pages the failed one dropped.
        for (Map.Entry<Path, Object> file : inodes.entrySet()) {
            assertThat(file.getKey() + " was written anew", Files.getAttribute(file.getKey(), "unix:ino"),
                       not(file.getValue()));
        }
        assertThat(assertResultsConsistent(dataDirectory, acknowledged.size(), WINDOW, MAX_RECORDS),
                   is(acknowledged));
    }

    @Test
    void aFailedRollKeepsNoHandleOfThePreviousSegment() throws Exception {
        assumeTrue(Files.isDirectory(OPEN_FILES), "needs /proc/self/fd (Linux)");
        PriceRecord record = new PriceRecord(1, "p", null, new BigDecimal("1.00"), StorageFixtures.BASE_NANOS);
        WriteAheadLog log = WriteAheadLog.open(dataDirectory.resolve("log"), files).log();
        log.restartAt(1);
        log.append(ByteBuffer.wrap(StorageFixtures.logSegment(List.of(record))));
        log.sync();

        files.arm(Fault.LOG_FSYNC);
        assertThrows(IOException.class, () -> log.roll(2));
        files.disarm(Fault.LOG_FSYNC);
        log.syncDirectory(); // what the writer's probe does before it takes work again

        Path logDirectory = dataDirectory.toRealPath().resolve("log");
        assertThat(openFilesUnder(logDirectory), contains(logDirectory.resolve("0000000000000000002.wal").toString()));
        log.close();
        assertThat(openFilesUnder(logDirectory), is(empty()));
    }

    // ---------------------------------------------------------------------------------------------------------

    private Ledger open(StorageFiles storageFiles) throws IOException {
        return opened.add(openAndRecover(config, Clock.systemUTC(), storageFiles));
    }

    /** One reprice with a price never used before; its outcome is remembered either way. */
    private PriceRecord reprice(Ledger ledger, String productId) {
        BigDecimal price = new BigDecimal(++attempts + ".25");
        PriceRecord record;
        try {
            record = ledger.reprice(productId, price);
        } catch (StorageUnavailableException e) {
            refusedPrices.add(price);
            throw e;
        }
        assertThat(record.newPrice(), is(price));
        assertThat("previousPrice chain of " + productId + " continues from its last acknowledged price",
                   record.previousPrice(), equalTo(lastAcknowledgedPrice.get(productId)));
        lastAcknowledgedPrice.put(productId, price);
        acknowledged.add(record);
        return record;
    }

    private void acknowledgeRound(Ledger ledger) {
        for (int i = 0; i < PRODUCTS; i++) {
            reprice(ledger, "product-" + i);
        }
    }

    /**
     * Reprices, one attempt a poll, until one is refused. A log fault refuses the very next reprice; a results fault
     * is seen when the results writer next renames or syncs, so a few reprices may be acknowledged before that.
     */
    private StorageUnavailableException repriceUntilRefused(Ledger ledger) {
        List<StorageUnavailableException> refusals = new ArrayList<>();
        await(SOON, () -> {
            try {
                reprice(ledger, "product-" + attempts % PRODUCTS);
                return false;
            } catch (StorageUnavailableException e) {
                refusals.add(e);
                return true;
            }
        }, "a reprice to be refused");
        return refusals.getFirst();
    }

    private void assertRefused(Ledger ledger, String productId) {
        StorageUnavailableException refusal = assertThrows(StorageUnavailableException.class,
                                                           () -> reprice(ledger, productId));
        assertThat(refusal.reason(), is(StorageUnavailableException.Reason.FAILING));
    }

    /** The history, every product's latest price, and nothing refused. */
    private void assertServesExactlyTheAcknowledged(Ledger ledger) {
        List<PriceRecord> history = new ArrayList<>();
        HistoryPage page;
        do {
            page = ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, history.size(),
                                                   1000));
            history.addAll(page.records());
        } while (page.hasNext());
        assertThat("the whole history", history, is(acknowledged));
        lastAcknowledgedPrice.forEach((productId, price) -> assertThat(
                "latest price of " + productId, ledger.latest(productId).map(PriceRecord::newPrice),
                is(Optional.of(price))));
        assertThat(ledger.latest(NEVER_STORED), is(Optional.empty()));
        assertThat(ledger.history(new HistoryQuery(Optional.of(NEVER_STORED), Long.MIN_VALUE, Long.MAX_VALUE, 0, 10))
                         .records(), is(List.of()));
        assertThat("no refused price is served", history.stream().map(PriceRecord::newPrice)
                                                        .noneMatch(refusedPrices::contains), is(true));
    }

    /** {@code results/} holds only complete, named results files, and they hold acknowledged records in order. */
    private void assertResultsHoldOnlyAcknowledgedCompleteFiles() {
        List<PriceRecord> inResults = allRecords(readResults(dataDirectory)); // fails on a partial or foreign file
        assertThat(inResults, is(acknowledged.subList(0, inResults.size())));
    }
}
