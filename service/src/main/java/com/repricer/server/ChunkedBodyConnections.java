package com.repricer.server;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * Helidon's HTTP/1 connections, each reading through a {@link ChunkedBodyReader}, so that chunk extensions and
 * trailer fields are accepted (issue 14, item 9). Registered on a listener as its only connection selector (in
 * place of {@code addProtocol(http1Config)}); everything else is Helidon's own HTTP/1 connection.
 */
public final class ChunkedBodyConnections implements ServerConnectionSelector {

    private final ServerConnectionSelector http1;
    private final int maxTrailerBytes;
    private final int maxChunkBytes;

    /**
     * @param socketName    the listener's name
     * @param http1Config   Helidon's HTTP/1 settings for it
     * @param maxChunkBytes the largest chunk accepted (the most bytes a request body may have); a larger one is
     *                      refused with 413 from its size line, before Helidon buffers it
     */
    public ChunkedBodyConnections(String socketName, Http1Config http1Config, int maxChunkBytes) {
        this.http1 = new Http1ConnectionProvider().create(socketName, http1Config,
                                                          ProtocolConfigs.create(List.of(http1Config)));
        this.maxTrailerBytes = http1Config.maxHeadersSize();
        this.maxChunkBytes = maxChunkBytes;
    }

    @Override
    public int bytesToIdentifyConnection() {
        return http1.bytesToIdentifyConnection();
    }

    @Override
    public Support supports(BufferData request) {
        return http1.supports(request);
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return http1.connection(new WithReader(ctx, new ChunkedBodyReader(ctx.serverSocket(), maxTrailerBytes,
                                                                           maxChunkBytes)));
    }

    /** Helidon's connection context with another reader of the same socket. */
    private record WithReader(ConnectionContext ctx, DataReader dataReader) implements ConnectionContext {
        @Override
        public PeerInfo remotePeer() {
            return ctx.remotePeer();
        }

        @Override
        public PeerInfo localPeer() {
            return ctx.localPeer();
        }

        @Override
        public boolean isSecure() {
            return ctx.isSecure();
        }

        @Override
        public String socketId() {
            return ctx.socketId();
        }

        @Override
        public String childSocketId() {
            return ctx.childSocketId();
        }

        @Override
        public ListenerContext listenerContext() {
            return ctx.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return ctx.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return ctx.dataWriter();
        }

        @Override
        public Router router() {
            return ctx.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return ctx.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return ctx.serverSocket();
        }
    }
}
