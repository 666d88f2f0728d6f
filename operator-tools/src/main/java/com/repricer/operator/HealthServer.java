package com.repricer.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The in-cluster health endpoint of a long-running command, on the JDK's own HTTP server: {@code GET /healthz}
 * (liveness: the loop runs) and {@code GET /readyz} (readiness: the informer has synced and is watching) answer 200
 * or 503.
 */
public final class HealthServer implements AutoCloseable {

    public static final String LIVE_PATH = "/healthz";
    public static final String READY_PATH = "/readyz";

    private final HttpServer server;

    private HealthServer(HttpServer server) {
        this.server = server;
    }

    /** Listens on all interfaces at {@code port} (0: a free port, see {@link #port()}). */
    public static HealthServer start(int port, BooleanSupplier live, BooleanSupplier ready) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext(LIVE_PATH, exchange -> answer(exchange, live.getAsBoolean(), "live"));
        server.createContext(READY_PATH, exchange -> answer(exchange, ready.getAsBoolean(), "ready"));
        server.start();
        return new HealthServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, boolean ok, String what) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = ((ok ? "" : "not ") + what + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            if ("HEAD".equals(method)) {
                exchange.sendResponseHeaders(ok ? 200 : 503, -1);
                return;
            }
            exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
