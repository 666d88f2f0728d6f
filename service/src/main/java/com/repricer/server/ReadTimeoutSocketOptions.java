package com.repricer.server;

import io.helidon.common.socket.SocketOptions;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServerConfig;

import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * A listener's {@code connection-options} that also apply {@code read-timeout} to every accepted connection.
 *
 * <p>Why: Helidon 4.5 documents {@code connection-options.read-timeout} for listeners but applies it only to
 * client sockets; an accepted connection would wait forever for a client that stops sending in the middle of a
 * request head or body. Set as the socket's {@code SO_TIMEOUT}, a read that waits longer fails and Helidon closes
 * the connection. {@code SO_TIMEOUT} governs the socket's streams, which Helidon reads only with
 * {@code use-nio: false} (its NIO path reads the channel directly, where no timeout exists); application.yaml sets
 * that for both listeners. {@code PT0S} turns the timeout off.
 */
public final class ReadTimeoutSocketOptions implements SocketOptions {

    private static final Logger LOG = Logger.getLogger(ReadTimeoutSocketOptions.class.getName());

    private final SocketOptions options;
    private final RequestReadTimeouts timeouts;

    private ReadTimeoutSocketOptions(SocketOptions options, RequestReadTimeouts timeouts) {
        this.options = options;
        this.timeouts = timeouts;
    }

    /**
     * {@code options}, also applying their read timeout to accepted connections, each registered with
     * {@code timeouts} (which lifts it between the requests of API connections).
     */
    static SocketOptions of(SocketOptions options, RequestReadTimeouts timeouts) {
        return options instanceof ReadTimeoutSocketOptions ? options : new ReadTimeoutSocketOptions(options, timeouts);
    }

    /** Applies the read timeout of the default listener and of every named socket of {@code server}. */
    public static void applyTo(WebServerConfig.Builder server, RequestReadTimeouts timeouts) {
        server.connectionOptions(of(server.connectionOptions().orElseGet(SocketOptions::create), timeouts));
        log("@default", server.connectionOptions().orElseThrow(), server.useNio(), server.idleConnectionTimeout());
        Map.copyOf(server.sockets()).forEach((name, listener) -> {
            server.putSocket(name, ListenerConfig.builder()
                                                 .from(listener)
                                                 .connectionOptions(of(listener.connectionOptions(), timeouts))
                                                 .build());
            log(name, listener.connectionOptions(), listener.useNio(), listener.idleConnectionTimeout());
        });
    }

    private static void log(String listener, SocketOptions options, boolean useNio, Duration idleTimeout) {
        String reads = options.readTimeout().isZero() ? "reads wait for the client without limit"
                : "a read waiting over " + options.readTimeout() + " fails"
                  + (useNio ? " (NOT ENFORCED: use-nio is true)" : "");
        LOG.info("Socket " + listener + ": " + reads + "; a request line must arrive within " + idleTimeout);
    }

    @Override
    public void configureSocket(SocketChannel channel) {
        options.configureSocket(channel);
        Duration timeout = options.readTimeout();
        // SO_TIMEOUT 0 means "wait forever": only PT0S maps to it; anything shorter than 1 ms gets 1 ms.
        int millis = timeout.isZero() ? 0 : (int) Math.clamp(timeout.toMillis(), 1, Integer.MAX_VALUE);
        try {
            channel.socket().setSoTimeout(millis);
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
        timeouts.accepted(channel, millis);
    }

    @Override
    public Map<SocketOption<?>, Object> socketOptions() {
        return options.socketOptions();
    }

    @Override
    public Duration connectTimeout() {
        return options.connectTimeout();
    }

    @Override
    public Duration readTimeout() {
        return options.readTimeout();
    }

    @Override
    public Optional<Integer> socketReceiveBufferSize() {
        return options.socketReceiveBufferSize();
    }

    @Override
    public Optional<Integer> socketSendBufferSize() {
        return options.socketSendBufferSize();
    }

    @Override
    public boolean socketReuseAddress() {
        return options.socketReuseAddress();
    }

    @Override
    public boolean socketKeepAlive() {
        return options.socketKeepAlive();
    }

    @Override
    public boolean tcpNoDelay() {
        return options.tcpNoDelay();
    }

    @Override
    public String toString() {
        return options + " (read timeout applied to accepted connections)";
    }
}
