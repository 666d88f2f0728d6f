package com.repricer.operator;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Runs a reconcile pass on one thread: when asked (an informer saw a change), and at the time the last pass asked
 * to be woken (the next expiry), and at the latest {@code maxIdle} after the last pass (a safety net for missed
 * events and wall-clock steps). Never a tight polling loop: between passes the thread sleeps on a timer whose delay
 * is derived from the {@link Clock}.
 *
 * <p>Requests coalesce: any number of requests while a pass is queued make one pass. A pass that throws is logged
 * and retried after {@code retryDelay}.
 */
public final class PassScheduler implements AutoCloseable {

    private final String name;
    private final Clock clock;
    private final Supplier<Optional<Instant>> pass;
    private final Timing timing;
    private final PrintWriter log;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean queued = new AtomicBoolean();
    /** Touched only on the executor's thread. */
    private ScheduledFuture<?> timer;
    private volatile Instant nextPassAt;

    /**
     * When passes run besides those asked for.
     *
     * @param maxIdle    the longest time between two passes
     * @param retryDelay how long after a pass that threw the next one runs
     */
    public record Timing(Duration maxIdle, Duration retryDelay) {
    }

    /**
     * @param pass runs one pass and returns when it wants the next one (empty: no deadline, {@code maxIdle} applies)
     */
    public PassScheduler(String name, Clock clock, Supplier<Optional<Instant>> pass, Timing timing, PrintWriter log) {
        this.name = name;
        this.clock = clock;
        this.pass = pass;
        this.timing = timing;
        this.log = log;
        this.executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name(name).daemon().factory());
    }

    /** Asks for a pass soon; returns at once. Ignored after {@link #close()}. */
    public void requestPass() {
        if (queued.compareAndSet(false, true)) {
            try {
                executor.execute(this::runPass);
            } catch (RejectedExecutionException closed) {
                queued.set(false);
            }
        }
    }

    /** Runs a pass on the scheduler's thread now and waits for it (for a person's command, and for tests). */
    public void runNow(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            executor.submit(this::runPass).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("pass failed", e.getCause());
        }
    }

    /** When the next pass is planned (absent before the first pass). */
    public Optional<Instant> nextPassAt() {
        return Optional.ofNullable(nextPassAt);
    }

    /** False once closed: the liveness of a long-running command. */
    public boolean isRunning() {
        return !executor.isShutdown();
    }

    private void runPass() {
        queued.set(false);
        Optional<Instant> wanted;
        try {
            wanted = pass.get();
        } catch (RuntimeException e) {
            Instant retryAt = clock.instant().plus(timing.retryDelay());
            synchronized (log) {
                log.println(clock.instant() + " " + name + ": pass failed, retrying at " + retryAt + ": " + e);
                log.flush();
            }
            wanted = Optional.of(retryAt);
        }
        Instant now = clock.instant();
        Instant latest = now.plus(timing.maxIdle());
        Instant at = wanted.filter(w -> w.isBefore(latest)).orElse(latest);
        if (timer != null) {
            timer.cancel(false);
        }
        nextPassAt = at;
        try {
            timer = executor.schedule(this::runPass, delayMillis(now, at), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            timer = null;
        }
    }

    /** Milliseconds from {@code now} until {@code at}, rounded up (a pass never runs before its deadline), ≥ 0. */
    static long delayMillis(Instant now, Instant at) {
        Duration delay = Duration.between(now, at);
        if (delay.isNegative() || delay.isZero()) {
            return 0;
        }
        return delay.plusNanos(999_999).toMillis();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
