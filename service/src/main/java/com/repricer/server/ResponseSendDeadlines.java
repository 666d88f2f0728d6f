package com.repricer.server;

import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A response must be written in whole within the send timeout ({@code repricer.response.send-timeout}) of its first
 * byte; else its connection is closed.
 *
 * <p>Why: a client that sends requests and never reads the answers (or pipelines many of them) fills its receive
 * window and the server's send buffer, and the write of the next answer blocks, with no end: Helidon 4.5 has no
 * write timeout and {@code SO_TIMEOUT} bounds reads only. The blocked handler keeps what it holds, a read endpoint's
 * concurrency permit: 55 such connections kept {@code /api/query} at 503 for everybody (issue 14, item 5).
 *
 * <p>How: the API routing's filter marks the response as being sent when Helidon is about to write it
 * ({@link RoutingResponse#beforeSend}) and unmarks it when the handler is done. A sweeper thread looks at the
 * responses being sent every tenth of the timeout (at least every second) and interrupts the thread of one that is
 * overdue. That thread is blocked in the write on Helidon's socket-stream path ({@code use-nio: false}, direct
 * writes: the default {@code write-queue-length} 0) on an interruptible channel, so the interrupt closes the
 * socket: the write fails, the handler returns its permit, and the connection ends. The thread is interrupted only
 * while its response is marked, and a late interrupt (the write had just finished) is cleared before Helidon goes
 * on; so nothing but the overdue write ever sees one. The deadline is checked with a delay of up to one sweep period.
 */
public final class ResponseSendDeadlines implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ResponseSendDeadlines.class.getName());
    private static final Duration MIN_PERIOD = Duration.ofMillis(10);
    private static final Duration MAX_PERIOD = Duration.ofSeconds(1);

    private final Duration timeout;
    private final Set<Sending> sending = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sweeper;

    /** Responses bounded by {@code timeout}; {@code PT0S}: no bound (and no sweeper). */
    public ResponseSendDeadlines(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("the send timeout must not be negative: " + timeout);
        }
        this.timeout = timeout;
        if (timeout.isZero()) {
            sweeper = null;
            LOG.info("API responses: a write waits for the client without limit");
            return;
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                                                                   .name("response-send-deadlines").factory());
        long period = Math.clamp(timeout.dividedBy(10).toNanos(), MIN_PERIOD.toNanos(), MAX_PERIOD.toNanos());
        sweeper.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
        LOG.info("API responses: a response not written in whole within " + timeout + " closes its connection");
    }

    /** The API routing's filter: the response this request gets is bounded by the send timeout. */
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        if (sweeper == null) {
            chain.proceed();
            return;
        }
        Sending send = new Sending(Thread.currentThread());
        response.beforeSend(() -> {
            send.start(System.nanoTime() + timeout.toNanos());
            sending.add(send);
        });
        RuntimeException failure = null;
        boolean expired;
        try {
            chain.proceed();
        } catch (RuntimeException e) {
            failure = e; // the write an overdue response was blocked in fails when the interrupt closes the socket
        } finally {
            sending.remove(send);
            expired = send.finish();
            if (expired) {
                Thread.interrupted(); // a late interrupt (the write had just finished) must not reach Helidon
            }
        }
        if (expired) {
            // Written in whole just in time or not: the deadline passed and the socket may be closed; end it.
            throw overdue(request, failure);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private CloseConnectionException overdue(RoutingRequest request, RuntimeException cause) {
        String message = "the response to " + request.prologue().method().text() + " "
                         + request.path().absolute().path() + " from " + request.remotePeer().address()
                         + " was not taken within " + timeout + ": connection closed";
        LOG.info(message);
        return cause == null ? new CloseConnectionException(message) : new CloseConnectionException(message, cause);
    }

    private void sweep() {
        long now = System.nanoTime();
        sending.removeIf(send -> send.expireIfDue(now));
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    /** One response being written by {@code thread}. */
    private static final class Sending {

        private final Thread thread;
        private long deadline;
        private boolean active;
        private boolean expired;

        Sending(Thread thread) {
            this.thread = thread;
        }

        synchronized void start(long deadlineNanos) {
            deadline = deadlineNanos;
            active = true;
        }

        /** Interrupts the writing thread if the deadline has passed; true if it did (or did before). */
        synchronized boolean expireIfDue(long now) {
            if (active && now - deadline >= 0) {
                active = false;
                expired = true;
                thread.interrupt();
            }
            return expired;
        }

        /** The response is done (written or failed); true if its deadline had passed and the thread was interrupted. */
        synchronized boolean finish() {
            active = false;
            return expired;
        }
    }
}
