package com.repricer;

import io.helidon.common.socket.SocketOptions;
import io.helidon.config.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class ReadTimeoutSocketOptionsTest {

    @ParameterizedTest(name = "read-timeout {0} -> SO_TIMEOUT {1} ms")
    @CsvSource({"PT20S, 20000", "PT0.5S, 500", "PT0.0001S, 1", "PT0S, 0"})
    void appliesTheReadTimeoutToAnAcceptedConnection(String readTimeout, int soTimeoutMillis) throws IOException {
        SocketOptions options = ReadTimeoutSocketOptions.of(
                SocketOptions.builder().readTimeout(Duration.parse(readTimeout)).build(), new RequestReadTimeouts());
        try (ServerSocketChannel server = ServerSocketChannel.open()
                                                             .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            options.configureSocket(accepted);

            assertThat(accepted.socket().getSoTimeout(), is(soTimeoutMillis));
            assertThat(client.isConnected(), is(true));
        }
    }

    /**
     * The embedded defaults the README documents. {@code use-nio: false} is load-bearing: on Helidon's NIO path
     * the read timeout is silently not enforced.
     */
    @Test
    void embeddedDefaultsBoundSlowClientsOnBothSockets() {
        Config server = ServiceConfig.load(Map.of()).get("server");

        for (Config listener : new Config[] {server, server.get("sockets.0")}) {
            assertThat(listener.key() + " use-nio", listener.get("use-nio").asBoolean().get(), is(false));
            assertThat(listener.get("connection-options.read-timeout").as(Duration.class).get(),
                       is(Duration.ofSeconds(20)));
            assertThat(listener.get("idle-connection-timeout").as(Duration.class).get(), is(Duration.ofSeconds(30)));
            assertThat(listener.get("idle-connection-period").as(Duration.class).get(), is(Duration.ofSeconds(5)));
        }
        assertThat(ServiceConfig.bodyTimeout(ServiceConfig.load(Map.of())), is(Duration.ofSeconds(30)));
    }
}
