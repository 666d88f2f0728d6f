package com.repricer.server;

import io.helidon.common.socket.SocketOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

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
}
