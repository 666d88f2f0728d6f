package com.repricer.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static com.repricer.storage.StorageFixtures.assertResultsConsistent;
import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.price;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The ledger over its compact per-product state: prices that do not fit a long, ids as bytes, the rollback. */
class LedgerProductStateTest {

    private static final Duration WINDOW = Duration.ofSeconds(1);

    @TempDir
    Path dataDirectory;

    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();


    private Ledger open(Clock clock) throws IOException {
        return opened.add(StorageFixtures.openAndRecover(StorageConfig.defaults(dataDirectory), clock));
    }

    private static List<PriceRecord> history(Ledger ledger, String productId) {
        return ledger.history(new HistoryQuery(Optional.of(productId), Long.MIN_VALUE, Long.MAX_VALUE, 0, 1000))
                .records();
    }

    @Test
    void widePricesAndScalesSurviveTheStateAndARestart() throws Exception {
        Ledger ledger = open(Clock.systemUTC());
        List<String> prices = List.of("99999999999999999999.999999999999999999", "3.50", "1.000000000000000000",
                                      "0.000000000000000001", "12345678901234567890", "100", "3.50");
        List<PriceRecord> records = new ArrayList<>();
        for (String text : prices) {
            PriceRecord record = ledger.reprice("p", price(text));
            records.add(record);
            assertThat(ledger.latest("p"), is(Optional.of(record)));
            assertThat(ledger.latest("p").orElseThrow().newPrice().toPlainString(), is(text));
        }
        for (int i = 1; i < records.size(); i++) {
            assertThat(records.get(i).previousPrice(), equalTo(records.get(i - 1).newPrice()));
        }
        assertThat(records.getFirst().previousPrice(), is(nullValue()));
        assertThat(history(ledger, "p"), equalTo(records));
        ledger.close();

        Ledger again = open(Clock.systemUTC());
        assertThat(again.latest("p"), is(Optional.of(records.getLast())));
        assertThat(again.reprice("p", price("7")).previousPrice().toPlainString(), is("3.50"));
        assertThat(history(again, "p").subList(0, records.size()), equalTo(records));
    }

    @Test
    void idsAreTheSameProductExactlyWhenTheirTextIsTheSame() throws Exception {
        Ledger ledger = open(Clock.systemUTC());
        List<String> ids = List.of("日本/ä", "a\u0308", "ä", "😀 +%2F", "p", "P", "p ");
        for (String id : ids) {
            ledger.reprice(id, price("1"));
        }
        for (String id : ids) {
            PriceRecord latest = ledger.latest(id).orElseThrow();
            assertThat(latest.productId(), is(id));
            assertThat(history(ledger, id), contains(latest));
        }
        assertThat(ledger.latest("p  "), is(Optional.empty()));
        ledger.close();

        Ledger again = open(Clock.systemUTC());
        for (String id : ids) {
            assertThat(again.latest(id).orElseThrow().productId(), is(id));
        }
    }

    @Test
    void aLoneSurrogateIsRefusedRatherThanMergedWithAnotherId() throws Exception {
        Ledger ledger = open(Clock.systemUTC());
        ledger.reprice("a?", price("1"));
        assertThrows(IllegalArgumentException.class, () -> ledger.reprice("a\uD800", price("2")));
        assertThat(ledger.latest("a\uD800"), is(Optional.empty()));
        assertThat(ledger.latest("a?").orElseThrow().newPrice(), is(price("1")));
        assertThat(ledger.recordCount(), is(1L));
    }

    /** A clock that can fail: the group-commit thread then refuses the group as if the log write had failed. */
    private static final class FailingClock extends StorageFixtures.UtcClock {
        final AtomicBoolean failing = new AtomicBoolean();

        @Override
        public Instant instant() {
            if (failing.get()) {
                throw new IllegalStateException("clock failure for the test");
            }
            return Instant.now();
        }
    }

    @Test
    void aRefusedGroupRollsTheChainBackToTheLastDurableRecordAndForgetsNewProducts() throws Exception {
        FailingClock clock = new FailingClock();
        Ledger ledger = open(clock);
        PriceRecord durable = ledger.reprice("known", price("1.00"));

        clock.failing.set(true);
        assertThrows(StorageUnavailableException.class, () -> ledger.reprice("known", price("2.00")));
        clock.failing.set(false);
        await(Duration.ofSeconds(10), () -> ledger.health().ready(), "the writer to accept work again");
        assertThrows(StorageUnavailableException.class, () -> {
            clock.failing.set(true);
            try {
                ledger.reprice("new", price("5.00"));
            } finally {
                clock.failing.set(false);
            }
        });
        await(Duration.ofSeconds(10), () -> ledger.health().ready(), "the writer to accept work again");

        assertThat(ledger.latest("known"), is(Optional.of(durable)));
        assertThat(ledger.latest("new"), is(Optional.empty()));
        assertThat(history(ledger, "new"), is(List.of()));
        PriceRecord next = ledger.reprice("known", price("3.00"));
        assertThat(next.previousPrice(), equalTo(price("1.00"))); // not the refused 2.00
        PriceRecord first = ledger.reprice("new", price("6.00"));
        assertThat(first.previousPrice(), is(nullValue()));
        assertThat(ledger.latest("new"), is(Optional.of(first)));
        ledger.close();

        assertThat(assertResultsConsistent(dataDirectory, 3, WINDOW, 10), contains(durable, next, first));
    }
}
