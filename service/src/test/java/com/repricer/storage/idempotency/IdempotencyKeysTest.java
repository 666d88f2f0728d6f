package com.repricer.storage.idempotency;

import com.repricer.storage.PendingReprice;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.log.WriteAheadLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static com.repricer.storage.StorageFixtures.BASE_NANOS;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The idempotency window on its own, with its file in a temporary folder. */
class IdempotencyKeysTest {

    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path directory;

    private IdempotencyKeys load(int maxKeys, Duration maxAge, List<WriteAheadLog.KeyedRecord> logged)
            throws IOException {
        return IdempotencyKeys.load(directory, maxKeys, maxAge, logged, StorageFiles.DEFAULT);
    }

    private static PriceRecord record(long sequence, String productId, String price, long timestampNanos) {
        return new PriceRecord(sequence, productId, null, new BigDecimal(price), timestampNanos);
    }

    private static PendingReprice pending(String productId, String price) {
        return new PendingReprice(null, productId, null, new BigDecimal(price), "k");
    }

    @Test
    void aClaimedKeyIsInFlightUntilDurableAndAnotherClaimLoses() throws Exception {
        IdempotencyKeys keys = load(10, Duration.ofHours(1), List.of());
        PendingReprice first = pending("p", "1.00");

        assertThat(keys.find("k", BASE_NANOS), nullValue());
        assertThat(keys.claim("k", first, BASE_NANOS), is(true));
        assertThat(keys.find("k", BASE_NANOS), is(new KnownKey.InFlight(first)));
        assertThat(keys.claim("k", pending("p", "1.00"), BASE_NANOS), is(false));

        PriceRecord made = record(1, "p", "1.00", BASE_NANOS);
        keys.durable("k", first, made);
        assertThat(keys.find("k", BASE_NANOS), is(new KnownKey.Durable(made)));
        assertThat(keys.size(), is(1));
    }

    @Test
    void aReleasedKeyIsFreeAgain() throws Exception {
        IdempotencyKeys keys = load(10, Duration.ofHours(1), List.of());
        PendingReprice refused = pending("p", "1.00");
        keys.claim("k", refused, BASE_NANOS);
        keys.release("k", refused);

        assertThat(keys.find("k", BASE_NANOS), nullValue());
        assertThat(keys.claim("k", pending("p", "2.00"), BASE_NANOS), is(true));
    }

    @Test
    void aKeyOlderThanTheWindowIsForgottenAndCanBeClaimedAgain() throws Exception {
        IdempotencyKeys keys = load(10, Duration.ofSeconds(60), List.of());
        PendingReprice first = pending("p", "1.00");
        keys.claim("k", first, BASE_NANOS);
        keys.durable("k", first, record(1, "p", "1.00", BASE_NANOS));

        long later = BASE_NANOS + 61 * SECOND;
        assertThat(keys.find("k", later), nullValue());
        PendingReprice second = pending("q", "2.00");
        assertThat(keys.claim("k", second, later), is(true));
        assertThat(keys.find("k", later), is(new KnownKey.InFlight(second)));
    }

    @Test
    void theOldestKeysGoFirstBeyondTheMaximum() throws Exception {
        IdempotencyKeys keys = load(2, Duration.ofHours(1), List.of());
        for (int i = 1; i <= 3; i++) {
            PendingReprice reprice = pending("p", i + ".00");
            keys.claim("k" + i, reprice, BASE_NANOS);
            keys.durable("k" + i, reprice, record(i, "p", i + ".00", BASE_NANOS + i));
        }
        assertThat(keys.size(), is(2));
        assertThat(keys.find("k1", BASE_NANOS), nullValue());
        assertThat(keys.find("k3", BASE_NANOS), instanceOf(KnownKey.Durable.class));
    }

    @Test
    void theSavedWindowAndTheLogsKeyedRecordsComeBackOnLoad() throws Exception {
        IdempotencyKeys keys = load(10, Duration.ofHours(1), List.of());
        PendingReprice saved = pending("p", "1.00");
        PriceRecord savedRecord = record(1, "p", "1.00", BASE_NANOS);
        keys.claim("saved", saved, BASE_NANOS);
        keys.durable("saved", saved, savedRecord);
        keys.save();

        PriceRecord logged = record(2, "q", "2.00", BASE_NANOS + 1);
        IdempotencyKeys reloaded = load(10, Duration.ofHours(1),
                                        List.of(new WriteAheadLog.KeyedRecord("logged", logged)));
        assertThat(reloaded.find("saved", BASE_NANOS), is(new KnownKey.Durable(savedRecord)));
        assertThat(reloaded.find("logged", BASE_NANOS), is(new KnownKey.Durable(logged)));
        assertThat(reloaded.size(), is(2));
    }

    @Test
    void aDamagedSavedWindowStopsTheLoadAndSaysWhatToDo() throws Exception {
        Files.write(directory.resolve("keys"), new byte[] {0, 0, 0, 9, 1, 2, 3});
        WriteAheadLog.CorruptLogException failure = assertThrows(WriteAheadLog.CorruptLogException.class,
                                                                 () -> load(10, Duration.ofHours(1), List.of()));
        assertThat(failure.getMessage(), containsString("delete it to start without the remembered idempotency keys"));
    }

    @Test
    void sameRequestMeansSameProductAndSamePriceAsWritten() {
        assertThat(IdempotencyKeys.sameRequest("p", new BigDecimal("3.50"), "p", new BigDecimal("3.50")), is(true));
        assertThat(IdempotencyKeys.sameRequest("p", new BigDecimal("3.5"), "p", new BigDecimal("3.50")), is(false));
        assertThat(IdempotencyKeys.sameRequest("q", new BigDecimal("3.50"), "p", new BigDecimal("3.50")), is(false));
    }
}
