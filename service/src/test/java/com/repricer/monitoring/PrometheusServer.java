package com.repricer.monitoring;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.repricer.RunningService.eventually;

/**
 * A real Prometheus server (Debian's {@code prometheus} binary) on a free loopback port, scraping one target every
 * second and evaluating the given rule files every second, with its TSDB in a temporary folder. {@link #close}
 * stops it (SIGTERM, then SIGKILL if it does not exit).
 */
final class PrometheusServer implements AutoCloseable {

    static final String JOB = "repricer";
    private static final Duration STARTS = Duration.ofSeconds(60);
    private static final Duration STOPS = Duration.ofSeconds(20);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final URI uri;
    private final Path log;

    private PrometheusServer(Process process, URI uri, Path log) {
        this.process = process;
        this.uri = uri;
        this.log = log;
    }

    /**
     * Starts Prometheus in {@code directory} (config, TSDB and log go there) scraping
     * {@code http://localhost:<targetPort>/observe/metrics}, and waits until it is ready.
     */
    static PrometheusServer start(Path directory, int targetPort, List<Path> ruleFiles) throws IOException {
        Path binary = PrometheusTools.require("prometheus");
        StringBuilder config = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: %s
                    metrics_path: /observe/metrics
                    static_configs:
                      - targets: ['localhost:%d']
                rule_files:
                """.formatted(JOB, targetPort));
        ruleFiles.forEach(file -> config.append("  - '").append(file.toAbsolutePath()).append("'\n"));
        Path configFile = Files.writeString(directory.resolve("prometheus.yml"), config);
        Path log = directory.resolve("prometheus.log");
        int port = freePort();
        Process process = new ProcessBuilder(binary.toString(),
                                             "--config.file=" + configFile,
                                             "--storage.tsdb.path=" + directory.resolve("tsdb"),
                                             "--web.listen-address=127.0.0.1:" + port)
                .directory(directory.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, URI.create("http://127.0.0.1:" + port), log);
        try {
            eventually(STARTS, server::readiness, ready -> ready.equals("ready") || ready.startsWith("exited"));
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + server.log());
            }
            return server;
        } catch (AssertionError | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** A port that was free a moment ago; Prometheus fails to start (and says so) in the rare race. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private String readiness() {
        if (!process.isAlive()) {
            return "exited " + process.exitValue();
        }
        try {
            return get("/-/ready").statusCode() == 200 ? "ready" : "starting";
        } catch (UncheckedIOException e) {
            return "starting: " + e.getCause().getMessage();
        }
    }

    /** {@code GET /api/v1/query?query=…}: the whole answer, {@code status} "success" or "error" with the reason. */
    JsonObject query(String promQl) {
        return json(get("/api/v1/query?query=" + URLEncoder.encode(promQl, StandardCharsets.UTF_8)));
    }

    /** {@code GET path} of the HTTP API as JSON (e.g. {@code /api/v1/rules}). */
    JsonObject api(String path) {
        return json(get(path));
    }

    private static JsonObject json(HttpResponse<String> response) {
        try (JsonReader reader = Json.createReader(new StringReader(response.body()))) {
            return reader.readObject();
        }
    }

    private HttpResponse<String> get(String pathAndQuery) {
        try {
            return CLIENT.send(HttpRequest.newBuilder(uri.resolve(pathAndQuery)).timeout(Duration.ofSeconds(10)).build(),
                               HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What Prometheus logged so far, for failure messages. */
    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOPS.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(STOPS.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
