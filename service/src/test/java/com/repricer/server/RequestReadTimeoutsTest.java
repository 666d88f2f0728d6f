package com.repricer.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/** The registry of accepted sockets does not keep connections that ended before any request claimed them. */
class RequestReadTimeoutsTest {

    @Test
    void socketsOfClosedUnclaimedConnectionsAreForgotten() throws IOException {
        RequestReadTimeouts timeouts = new RequestReadTimeouts();
        int connections = 3_000;
        try (ServerSocketChannel server = ServerSocketChannel.open()
                                                             .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            for (int i = 0; i < connections; i++) {
                try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                     SocketChannel accepted = server.accept()) {
                    timeouts.accepted(accepted, 20_000);
                }
            }
        }

        // Swept whenever the registry doubles: never more than twice the connections still open (none) plus 1 024.
        assertThat(timeouts.unclaimed(), is(lessThan(1_025)));
    }

    @Test
    void aListenerWithoutReadTimeoutRegistersNothing() throws IOException {
        RequestReadTimeouts timeouts = new RequestReadTimeouts();
        try (ServerSocketChannel server = ServerSocketChannel.open()
                                                             .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            timeouts.accepted(accepted, 0);

            assertThat(timeouts.unclaimed(), is(0));
        }
    }
}
