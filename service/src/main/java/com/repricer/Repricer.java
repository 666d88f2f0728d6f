package com.repricer;

import com.repricer.admin.AdminRouting;
import com.repricer.admin.ExportRouting;
import com.repricer.api.ApiRouting;
import com.repricer.metrics.RepricerMetrics;
import com.repricer.server.PortsFile;
import com.repricer.server.ChunkedBodyConnections;
import com.repricer.server.NoRequestBodies;
import com.repricer.server.ReadTimeoutSocketOptions;
import com.repricer.server.RequestReadTimeouts;
import com.repricer.server.ResponseSendDeadlines;
import com.repricer.storage.Ledger;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.fs.StorageFiles;
import io.helidon.config.Config;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Logger;

/**
 * One running service: the ledger and the web server with its three sockets (API, admin, loopback export).
 * Start-up order matters: the data directory is locked first (a second instance fails at once), the server starts
 * next (liveness answers and readiness says "recovering"), then recovery runs and the ledger starts serving.
 */
public final class Repricer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Repricer.class.getName());

    private final Ledger ledger;
    private final WebServer server;
    private final RepricerMetrics metrics;
    private final ResponseSendDeadlines sendDeadlines;

    private Repricer(Ledger ledger, WebServer server, RepricerMetrics metrics, ResponseSendDeadlines sendDeadlines) {
        this.ledger = ledger;
        this.server = server;
        this.metrics = metrics;
        this.sendDeadlines = sendDeadlines;
    }

    public static Repricer start(Config config, Clock clock) throws IOException {
        return start(config, clock, StorageFiles.DEFAULT);
    }

    /** Like {@link #start(Config, Clock)}, with the storage's file operations going through {@code files}. */
    public static Repricer start(Config config, Clock clock, StorageFiles files) throws IOException {
        StorageConfig storage = ServiceConfig.storage(config);
        Duration sendTimeout = ServiceConfig.sendTimeout(config);
        LOG.info("Data directory " + storage.dataDirectory().toAbsolutePath());
        RepricerMetrics metrics = new RepricerMetrics(RepricerMetrics.newRegistry());
        Ledger ledger = Ledger.open(storage, ServiceConfig.archive(config, storage), clock, metrics, files);
        metrics.watchStorage(ledger, storage.writeQueueCapacity());
        // Slow readers: bound the write of every API response, so that a client that does not read cannot keep a
        // read endpoint's permit.
        ResponseSendDeadlines sendDeadlines = new ResponseSendDeadlines(sendTimeout);
        WebServer server;
        try {
            ApiRouting api = new ApiRouting(ledger, metrics, ServiceConfig.productLimit(config),
                                            ServiceConfig.queryLimit(config), ServiceConfig.bodyTimeout(config));
            AdminRouting admin = new AdminRouting(ledger, metrics);
            WebServerConfig.Builder builder = WebServer.builder().config(config.get("server"));
            // Slow clients: bound every read of a request by the configured read timeout (Helidon does not),
            // except an API connection's wait for its next request, which idle-connection-timeout bounds.
            RequestReadTimeouts timeouts = new RequestReadTimeouts();
            ReadTimeoutSocketOptions.applyTo(builder, timeouts);
            server = builder.shutdownHook(false)
                            .featuresDiscoverServices(false)
                            .directHandlers(ApiRouting.directHandlers())
                            .addFeature(admin.observeFeature())
                            .addFeature(AdminRouting.openApiFeature())
                            // Only the HTTP/1 configured here: with the discovered one beside it the API socket had
                            // two protocols, sniffed the first bytes to choose, and left anything but a well-formed
                            // HTTP/1.1 request line (HTTP/1.0, a long target, bare LF, HTTP/2) unanswered.
                            // Helidon's HTTP/1, reading chunked bodies with extensions and trailers (issue 14, item 9).
                            .protocolsDiscoverServices(false)
                            .addConnectionSelector(new ChunkedBodyConnections(
                                    WebServer.DEFAULT_SOCKET_NAME,
                                    Http1Config.builder().addReceiveListener(timeouts.receiveListener()).build(),
                                    ApiRouting.MAX_BODY_BYTES))
                            .routing(routing -> api.register(routing.addFilter(timeouts::filter)
                                                            .addFilter(sendDeadlines::filter)))
                            .routing(AdminRouting.SOCKET, routing -> routing.addFilter(NoRequestBodies::filter))
                            .routing(ExportRouting.SOCKET, routing -> new ExportRouting(ledger).register(
                                    routing.addFilter(NoRequestBodies::filter)))
                            .build()
                            .start();
            if (!server.isRunning()) {
                // Helidon logs why (a port in use) and returns a stopped server rather than throwing.
                throw new IllegalStateException("The web server did not start (is port "
                                                + config.get("server.port").asString().orElse("8080") + ", "
                                                + config.get("server.sockets.0.port").asString().orElse("9102")
                                                + " or " + config.get("server.sockets.1.port").asString().orElse("9103")
                                                + " in use?); see the log above");
            }
        } catch (RuntimeException e) {
            sendDeadlines.close();
            ledger.close();
            metrics.close();
            throw e;
        }
        Repricer repricer = new Repricer(ledger, server, metrics, sendDeadlines);
        LOG.info("API listening on port " + repricer.port() + ", admin on port " + repricer.adminPort()
                 + ", export on " + config.get("server.sockets.1.host").asString().orElse("127.0.0.1") + ":"
                 + repricer.exportPort());
        try {
            ServiceConfig.portsFile(config).ifPresent(file -> PortsFile.write(file, Map.of(
                    "api", repricer.port(), "admin", repricer.adminPort(), "export", repricer.exportPort())));
            ledger.recover();
        } catch (IOException | RuntimeException e) {
            repricer.close();
            throw e;
        }
        return repricer;
    }

    public int port() {
        return server.port();
    }

    public int adminPort() {
        return server.port(AdminRouting.SOCKET);
    }

    /** The results export's port (bound to loopback by default). */
    public int exportPort() {
        return server.port(ExportRouting.SOCKET);
    }

    public Ledger ledger() {
        return ledger;
    }

    /** Stops accepting, answers requests in flight, makes everything durable and writes the open window. */
    @Override
    public void close() {
        // The ledger first: it refuses new reprices with 503 and answers every one in flight before the server
        // stops (stopping the server first would interrupt requests whose records still become durable).
        ledger.close();
        server.stop();
        sendDeadlines.close();
        metrics.close();
        LOG.info("Stopped; " + ledger.recordCount() + " records durable");
    }
}
