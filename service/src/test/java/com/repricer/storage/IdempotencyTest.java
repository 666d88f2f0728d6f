package com.repricer.storage;

import com.repricer.storage.fs.FaultyStorageFiles;
import com.repricer.fixtures.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.repricer.storage.StorageFixtures.BASE;
import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.price;
import static com.repricer.storage.StorageFixtures.recordCount;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code Idempotency-Key} at the ledger: retries answered from the window, which is bounded and durable. */
class IdempotencyTest {

    @TempDir
    Path dataDirectory;

    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();


    private Ledger open() throws IOException {
        return opened.open(StorageConfig.defaults(dataDirectory), new MutableClock(BASE));
    }

    private Ledger reopen(Ledger ledger, StorageConfig config, Clock clock) throws IOException {
        ledger.close();
        return opened.open(config, clock);
    }

    @Test
    void aRetryGetsTheOriginalRecordAndWritesNothing() throws Exception {
        Ledger ledger = open();
        Ledger.Reprice first = ledger.reprice("p1", price("3.50"), "key-1");
        Ledger.Reprice retry = ledger.reprice("p1", price("3.50"), "key-1");

        assertThat(first.replayed(), is(false));
        assertThat(retry.replayed(), is(true));
        assertThat(retry.record(), equalTo(first.record()));
        assertThat(ledger.recordCount(), is(1L));
        // The chain goes on from the one record.
        assertThat(ledger.reprice("p1", price("4.20")).previousPrice(), equalTo(price("3.50")));
        ledger.close();
        assertThat(recordCount(dataDirectory), is(2));
    }

    @Test
    void theSameKeyWithAnotherProductOrPriceIsRefusedAndWritesNothing() throws Exception {
        Ledger ledger = open();
        ledger.reprice("p1", price("3.50"), "key-1");

        for (var other : List.of(List.of("p1", "4.00"), List.of("p2", "3.50"), List.of("p1", "3.5"))) {
            IdempotencyKeyReusedException e = assertThrows(IdempotencyKeyReusedException.class,
                    () -> ledger.reprice(other.get(0), price(other.get(1)), "key-1"));
            assertThat(e.getMessage(), containsString("key-1"));
        }
        assertThat(ledger.recordCount(), is(1L));
        assertThat(ledger.latest("p2").isPresent(), is(false));
    }

    @Test
    void keysAreIndependentOfEachOtherAndOfRepricesWithoutAKey() throws Exception {
        Ledger ledger = open();
        ledger.reprice("p1", price("3.50"), "key-1");
        ledger.reprice("p1", price("3.50"), "key-2");
        ledger.reprice("p1", price("3.50"));
        ledger.reprice("p1", price("3.50"));

        assertThat(ledger.recordCount(), is(4L));
    }

    @Test
    void concurrentRetriesOfOneKeyWriteOneRecordAndAllGetIt() throws Exception {
        Ledger ledger = open();
        int requests = 32;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Ledger.Reprice>> answers = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(requests)) {
            for (int i = 0; i < requests; i++) {
                answers.add(threads.submit(() -> {
                    start.await();
                    return ledger.reprice("p1", price("9.99"), "same-key");
                }));
            }
            start.countDown();
            PriceRecord record = answers.getFirst().get().record();
            int originals = 0;
            for (Future<Ledger.Reprice> answer : answers) {
                assertThat(answer.get().record(), equalTo(record));
                originals += answer.get().replayed() ? 0 : 1;
            }
            assertThat(originals, is(1));
        }
        assertThat(ledger.recordCount(), is(1L));
    }

    @Test
    void keysSurviveARestart() throws Exception {
        Ledger ledger = open();
        PriceRecord original = ledger.reprice("p1", price("3.50"), "key-1").record();

        // The key is in the log only; the next start saves it before it empties the log.
        ledger = reopen(ledger, StorageConfig.defaults(dataDirectory), new MutableClock(BASE));
        ledger = reopen(ledger, StorageConfig.defaults(dataDirectory), new MutableClock(BASE));
        Ledger.Reprice retry = ledger.reprice("p1", price("3.50"), "key-1");

        assertThat(retry.replayed(), is(true));
        assertThat(retry.record(), equalTo(original));
        assertThat(ledger.recordCount(), is(1L));
    }

    @Test
    void keysSurviveTheLogBeingTrimmedWhileRunning() throws Exception {
        StorageConfig config = StorageConfig.defaults(dataDirectory).withSegmentBytes(2048);
        Ledger ledger = opened.open(config, Clock.systemUTC());
        PriceRecord original = ledger.reprice("p1", price("3.50"), "key-first").record();
        Path firstSegment = config.logDirectory().resolve(String.format("%019d.wal", 1));
        for (int i = 0; Files.exists(firstSegment); i++) {
            ledger.reprice("p" + (i % 10), price("1.00"), "key-" + i);
            if (i > 10_000) {
                throw new AssertionError("the log was never trimmed");
            }
        }

        // Gone from the log: only the saved window still knows the first key.
        ledger = reopen(ledger, config, Clock.systemUTC());
        Ledger.Reprice retry = ledger.reprice("p1", price("3.50"), "key-first");

        assertThat(retry.replayed(), is(true));
        assertThat(retry.record(), equalTo(original));
    }

    @Test
    void theOldestKeysAreForgottenBeyondTheWindowSize() throws Exception {
        StorageConfig config = StorageConfig.defaults(dataDirectory).withIdempotencyWindow(3, Duration.ofHours(1));
        Ledger ledger = opened.open(config, new MutableClock(BASE));
        for (int i = 1; i <= 5; i++) {
            ledger.reprice("p1", price(i + ".00"), "key-" + i);
        }

        assertThat(ledger.reprice("p1", price("3.00"), "key-3").replayed(), is(true));
        assertThat(ledger.reprice("p1", price("5.00"), "key-5").replayed(), is(true));
        Ledger.Reprice forgotten = ledger.reprice("p1", price("2.00"), "key-2");
        assertThat(forgotten.replayed(), is(false));
        assertThat(forgotten.record().previousPrice(), equalTo(price("5.00")));

        // The window now holds keys 4, 5 and 2, also after a restart.
        ledger = reopen(ledger, config, new MutableClock(BASE));
        assertThat(ledger.reprice("p1", price("4.00"), "key-4").replayed(), is(true));
        assertThat(ledger.reprice("p1", price("3.00"), "key-3").replayed(), is(false));
    }

    @Test
    void aKeyIsForgottenOnceItsRecordIsOlderThanTheWindowAge() throws Exception {
        StorageConfig config = StorageConfig.defaults(dataDirectory)
                                            .withIdempotencyWindow(100, Duration.ofMinutes(10));
        MutableClock clock = new MutableClock(BASE);
        Ledger ledger = opened.open(config, clock);
        ledger.reprice("p1", price("1.00"), "key-1");

        clock.advance(Duration.ofMinutes(9));
        assertThat(ledger.reprice("p1", price("1.00"), "key-1").replayed(), is(true));
        clock.advance(Duration.ofMinutes(2));
        Ledger.Reprice afterExpiry = ledger.reprice("p1", price("1.00"), "key-1");
        assertThat(afterExpiry.replayed(), is(false));
        assertThat(ledger.recordCount(), is(2L));
        // The key now stands for the new record.
        assertThat(ledger.reprice("p1", price("1.00"), "key-1").record(), equalTo(afterExpiry.record()));
    }

    @Test
    void aRefusedRepriceLeavesItsKeyFreeForTheRetry() throws Exception {
        FaultyStorageFiles files = new FaultyStorageFiles(dataDirectory);
        Ledger ledger = opened.add(StorageFixtures.openAndRecover(StorageConfig.defaults(dataDirectory), Clock.systemUTC(),
                                                                  files));
        files.arm(FaultyStorageFiles.Fault.LOG_FSYNC);
        assertThrows(StorageUnavailableException.class, () -> ledger.reprice("p1", price("3.50"), "key-1"));
        files.disarm(FaultyStorageFiles.Fault.LOG_FSYNC);
        await(Duration.ofSeconds(10), () -> ledger.health().ready(), "storage works again");

        Ledger.Reprice retry = ledger.reprice("p1", price("3.50"), "key-1");

        assertThat(retry.replayed(), is(false));
        assertThat(retry.record().previousPrice(), is(nullValue()));
        assertThat(ledger.recordCount(), is(1L));
    }

    @Test
    void aDamagedKeysFileStopsTheStartNamingIt() throws Exception {
        Ledger ledger = open();
        ledger.reprice("p1", price("3.50"), "key-1");
        ledger.close();
        ledger = open(); // saves the window
        ledger.close();
        Path keysFile = dataDirectory.resolve("idempotency").resolve("keys");
        byte[] content = Files.readAllBytes(keysFile);
        content[content.length - 1] ^= 0x55;
        Files.write(keysFile, content, StandardOpenOption.TRUNCATE_EXISTING);

        RuntimeException e = assertThrows(RuntimeException.class, this::open);
        assertThat(e.getMessage(), containsString(keysFile.toString()));
        assertThat(e.getMessage(), containsString("delete it"));
    }

    @Test
    void invalidKeysAreRefusedBeforeAnythingIsWritten() throws Exception {
        Ledger ledger = open();
        for (String key : List.of("", " ", "with space", "é", "x".repeat(256), "tab\tkey")) {
            assertThrows(IllegalArgumentException.class, () -> ledger.reprice("p1", price("1.00"), key));
        }
        assertThat(ledger.reprice("p1", price("1.00"), "x".repeat(255)).replayed(), is(false));
        assertThat(ledger.recordCount(), is(1L));
        await(Duration.ofSeconds(5), () -> ledger.health().ready(), "ready");
    }
}
