package com.repricer.operator;

import com.repricer.fixtures.MutableClock;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

class PassSchedulerTest {

    private static final Instant NOW = Instant.parse("2026-11-27T20:00:00Z");
    private static final Duration MAX_IDLE = Duration.ofMinutes(10);
    private static final Duration RETRY = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock(NOW);
    private final StringWriter log = new StringWriter();

    @Test
    void delayIsRoundedUpSoThatNoPassRunsBeforeItsDeadline() {
        assertThat(PassScheduler.delayMillis(NOW, NOW.plusNanos(1)), is(1L));
        assertThat(PassScheduler.delayMillis(NOW, NOW.plusMillis(1500)), is(1500L));
        assertThat(PassScheduler.delayMillis(NOW, NOW.plusSeconds(3600)), is(3_600_000L));
    }

    @Test
    void pastOrPresentDeadlineMeansAtOnce() {
        assertThat(PassScheduler.delayMillis(NOW, NOW), is(0L));
        assertThat(PassScheduler.delayMillis(NOW, NOW.minusSeconds(5)), is(0L));
    }

    @Test
    void nextPassIsTheDeadlineThePassAskedFor() throws Exception {
        Instant deadline = NOW.plusSeconds(90);
        try (PassScheduler scheduler = scheduler(() -> Optional.of(deadline))) {
            assertThat(scheduler.nextPassAt(), is(Optional.empty()));
            scheduler.runNow(TIMEOUT);
            assertThat(scheduler.nextPassAt(), is(Optional.of(deadline)));
        }
    }

    @Test
    void withoutDeadlineOrWithAFarOneThePassComesBackAfterMaxIdle() throws Exception {
        try (PassScheduler none = scheduler(Optional::empty);
             PassScheduler far = scheduler(() -> Optional.of(NOW.plus(Duration.ofDays(1))))) {
            none.runNow(TIMEOUT);
            far.runNow(TIMEOUT);
            assertThat(none.nextPassAt(), is(Optional.of(NOW.plus(MAX_IDLE))));
            assertThat(far.nextPassAt(), is(Optional.of(NOW.plus(MAX_IDLE))));
        }
    }

    @Test
    void failedPassIsLoggedAndRetried() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        try (PassScheduler scheduler = scheduler(() -> {
            passes.incrementAndGet();
            throw new IllegalStateException("API down");
        })) {
            scheduler.runNow(TIMEOUT);
            assertThat(passes.get(), is(1));
            assertThat(scheduler.nextPassAt(), is(Optional.of(NOW.plus(RETRY))));
            assertThat(log.toString(), containsString("pass failed, retrying at " + NOW.plus(RETRY)));
            assertThat(scheduler.isRunning(), is(true));
        }
    }

    @Test
    void closedSchedulerIsNotLiveAndIgnoresRequests() {
        PassScheduler scheduler = scheduler(Optional::empty);
        scheduler.close();
        scheduler.requestPass();
        assertThat(scheduler.isRunning(), is(false));
    }

    private PassScheduler scheduler(java.util.function.Supplier<Optional<Instant>> pass) {
        return new PassScheduler("test", clock, pass, new PassScheduler.Timing(MAX_IDLE, RETRY),
                                 new PrintWriter(log, true));
    }
}
