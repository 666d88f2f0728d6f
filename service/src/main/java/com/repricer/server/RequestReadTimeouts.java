package com.repricer.server;

import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1ConnectionListener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lifts the read timeout while a kept-alive API connection waits for its next request, and sets it again as soon
 * as that request's line has arrived.
 *
 * <p>Why: on a virtual thread a read with a timeout that has to wait schedules a timer and cancels it again; with
 * keep-alive that happens once per request, costing a fifth of the throughput of a product GET (measured: 33–40 k/s
 * against 45–47 k/s without the timeout, 50 connections). The wait for the next request does not need it:
 * Helidon's {@code idle-connection-timeout} bounds exactly that wait (a request line must be complete within it).
 * Everything a request reads after its request line — the rest of the head, the body — still fails after the
 * read timeout, as does a new connection that never sends anything (the timeout is set when it is accepted).
 *
 * <p>The timeout is lifted only after a request whose body was read in whole: if Helidon still has to skip an
 * unread body after the answer, those reads keep the timeout. Requests that never pass {@link #filter} (the admin
 * port, requests Helidon refuses before routing) leave it set: the safe side, at the cost of a timer per request.
 *
 * <p>The socket of a connection is registered when it is accepted ({@link #accepted}), keyed by its two
 * addresses, and claimed by the connection's own virtual thread at its first completed request (Helidon serves an
 * HTTP/1 connection on one thread from start to end).
 */
public final class RequestReadTimeouts {

    /** The connection this (virtual) thread serves, once its first request has claimed it. */
    private static final ThreadLocal<Armed> CURRENT = new ThreadLocal<>();
    private static final int SWEEP_MIN_SIZE = 1024;

    private final Map<Key, Armed> unclaimed = new ConcurrentHashMap<>();
    private volatile int sweepAt = SWEEP_MIN_SIZE;

    public RequestReadTimeouts() {
    }

    /** A socket and the read timeout its listener sets while a request is being read. */
    private record Armed(Socket socket, int timeoutMillis) {
        void set(int millis) {
            try {
                socket.setSoTimeout(millis);
            } catch (SocketException e) {
                // Closed under us: the connection is ending anyway.
            }
        }
    }

    private record Key(SocketAddress local, SocketAddress remote) {
    }

    /** A connection was accepted and its socket's timeout set to {@code timeoutMillis} (0: none). */
    void accepted(SocketChannel channel, int timeoutMillis) {
        if (timeoutMillis == 0) {
            return;
        }
        try {
            unclaimed.put(new Key(channel.getLocalAddress(), channel.getRemoteAddress()),
                          new Armed(channel.socket(), timeoutMillis));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (unclaimed.size() >= sweepAt) {
            sweepClosed();
        }
    }

    /**
     * Forgets the sockets of connections that ended before a request claimed them (those that never sent one, the
     * admin port's). Run when the map has doubled since the last sweep: a constant cost per connection.
     */
    private synchronized void sweepClosed() {
        if (unclaimed.size() < sweepAt) {
            return;
        }
        unclaimed.values().removeIf(armed -> armed.socket().isClosed());
        sweepAt = Math.max(SWEEP_MIN_SIZE, unclaimed.size() * 2);
    }

    /** Connections accepted and not yet claimed or swept (for tests). */
    int unclaimed() {
        return unclaimed.size();
    }

    /** The API routing's outermost filter: after a request read in whole, the wait for the next one is untimed. */
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        chain.proceed();
        if (request.content().hasEntity() && !request.content().consumed()) {
            return;
        }
        Armed armed = CURRENT.get();
        if (armed == null) {
            armed = unclaimed.remove(new Key(request.localPeer().address(), request.remotePeer().address()));
            if (armed == null) {
                return; // no read timeout on this listener
            }
            CURRENT.set(armed);
        }
        armed.set(0);
    }

    /** Sets the timeout again once a request line has arrived on a connection whose timeout was lifted. */
    public Http1ConnectionListener receiveListener() {
        return new Http1ConnectionListener() {
            @Override
            public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
                Armed armed = CURRENT.get();
                if (armed != null) {
                    armed.set(armed.timeoutMillis());
                }
            }
        };
    }
}
