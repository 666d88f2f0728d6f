package com.repricer;

import com.repricer.storage.fs.StorageFiles;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonStructure;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The real service on ephemeral ports over a real data directory, for HTTP-level tests in any package.
 *
 * <pre>{@code
 * try (RunningService service = RunningService.start(tempDir)) {
 *     RunningService.Response response = service.post("/api/reprice", "{\"productId\":\"p1\",\"price\":3.50}");
 * }
 * }</pre>
 *
 * As a JUnit 5 extension, a fresh service on a fresh temporary data directory for each test, stopped after it and
 * the directory deleted:
 *
 * <pre>{@code
 * @RegisterExtension
 * final RunningService service = RunningService.perTest();
 * }</pre>
 *
 * Requests the JDK client refuses to send (invalid UTF-8 paths, odd escapes, chunked or oversized bodies) go
 * through {@link #raw(int, byte[], byte[])}, a minimal HTTP/1.1 exchange over a plain socket.
 */
public final class RunningService implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

    /** Upper bound for any single request in the tests: generous, only there so a hang fails instead of blocks. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private static final Duration POLL_INTERVAL = Duration.ofMillis(20);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
                                                       .version(HttpClient.Version.HTTP_1_1)
                                                       .connectTimeout(Duration.ofSeconds(5))
                                                       .build();

    private final Map<String, String> overrides;
    private final StorageFiles files;
    private Path dataDir;
    private Repricer repricer;
    private URI api;
    private URI admin;
    private URI export;
    private boolean closed = true;

    private RunningService(Map<String, String> overrides, StorageFiles files) {
        this.overrides = Map.copyOf(overrides);
        this.files = files;
    }

    /** Starts the service on {@code directory}, every port ephemeral. */
    private void startOn(Path directory) throws IOException {
        dataDir = directory;
        Map<String, String> environment = Map.of("REPRICER_DATA_DIR", directory.toString(),
                                                 "REPRICER_PORT", "0",
                                                 "REPRICER_ADMIN_PORT", "0",
                                                 "REPRICER_EXPORT_PORT", "0");
        Config config = overrides.isEmpty() ? ServiceConfig.load(environment) : configWith(environment, overrides);
        repricer = Repricer.start(config, Clock.systemUTC(), files);
        api = URI.create("http://localhost:" + repricer.port());
        admin = URI.create("http://localhost:" + repricer.adminPort());
        // 127.0.0.1, not localhost: the export socket is bound to the IPv4 loopback address only.
        export = URI.create("http://127.0.0.1:" + repricer.exportPort());
        closed = false;
    }

    /** The extension: a service on a fresh temporary data directory for each test (embedded defaults). */
    public static RunningService perTest() {
        return perTest(Map.of());
    }

    /** Like {@link #perTest()}, with configuration {@code overrides} as {@link #start(Path, Map)} takes them. */
    public static RunningService perTest(Map<String, String> overrides) {
        return new RunningService(overrides, StorageFiles.DEFAULT);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        startOn(Files.createTempDirectory("repricer-" + context.getRequiredTestMethod().getName() + "-"));
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
        if (dataDir == null) {
            return;
        }
        try (Stream<Path> tree = Files.walk(dataDir)) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Stops the service and starts it again on the same data directory (new ports). */
    public void restart() throws IOException {
        close();
        startOn(dataDir);
    }

    /** Starts the service with its embedded defaults on {@code dataDir}, every port ephemeral. */
    public static RunningService start(Path dataDir) throws IOException {
        return start(dataDir, Map.of());
    }

    /**
     * Starts the service on {@code dataDir}, every port ephemeral.
     *
     * @param overrides configuration keys ({@code repricer.limits.product}, {@code repricer.results.window}, …)
     *                  taking precedence over {@code application.yaml}; system properties and environment
     *                  variables of the test JVM are not consulted when any are given
     */
    public static RunningService start(Path dataDir, Map<String, String> overrides) throws IOException {
        return start(dataDir, overrides, StorageFiles.DEFAULT);
    }

    /** Like {@link #start(Path, Map)}, with the storage's file operations going through {@code files}. */
    public static RunningService start(Path dataDir, Map<String, String> overrides, StorageFiles files)
            throws IOException {
        RunningService service = new RunningService(overrides, files);
        service.startOn(dataDir);
        return service;
    }

    /**
     * What {@link ServiceConfig#load} builds, plus {@code overrides} (which win, also over the data directory and
     * the ephemeral ports), without the JVM's own environment.
     */
    private static Config configWith(Map<String, String> environment, Map<String, String> overrides) {
        Map<String, String> keys = new HashMap<>(overrides);
        ServiceConfig.NAMED_VARIABLES.forEach((variable, key) -> keys.putIfAbsent(key, environment.get(variable)));
        return Config.builder()
                     .disableEnvironmentVariablesSource()
                     .disableSystemPropertiesSource()
                     .addSource(ConfigSources.create(keys).name("test overrides"))
                     .addSource(ConfigSources.classpath("application.yaml"))
                     .build();
    }

    public URI api() {
        return api;
    }

    public URI admin() {
        return admin;
    }

    /** The results export's socket (loopback). */
    public URI export() {
        return export;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path resultsDir() {
        return dataDir.resolve("results");
    }

    public Repricer repricer() {
        return repricer;
    }

    /** The files in {@code results/}, sorted by name. */
    public List<Path> resultsFiles() {
        Path results = resultsDir();
        if (!Files.isDirectory(results)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(results)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the service (it writes its open window into {@code results/}); later calls do nothing. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            repricer.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // JDK HttpClient helpers

    /** GET on the API port; {@code pathAndQuery} is sent as written (already percent-encoded). */
    public Response get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(api.resolve(pathAndQuery)).GET());
    }

    /** POST of a UTF-8 JSON body on the API port. */
    public Response post(String path, String json) {
        return post(path, json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    /** POST of raw bytes on the API port with the given content type ({@code null}: none). */
    public Response post(String path, byte[] body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(path))
                                                 .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return send(request);
    }

    /** {@code POST /api/reprice} of {@code {"productId": id, "price": price}}, the price written as given. */
    public Response reprice(String productId, String price) {
        // The id goes through JSON-P's escaping; the price is pasted in verbatim, so any number text can be sent.
        return post("/api/reprice", "{\"productId\":" + Json.createValue(productId) + ",\"price\":" + price + "}");
    }

    /** Any method on the API port, without a body. */
    public Response method(String method, String path) {
        return send(HttpRequest.newBuilder(api.resolve(path)).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    /** GET on the admin port. */
    public Response adminGet(String pathAndQuery) {
        return send(HttpRequest.newBuilder(admin.resolve(pathAndQuery)).GET());
    }

    /** GET on the export socket. */
    public Response exportGet(String pathAndQuery) {
        return send(HttpRequest.newBuilder(export.resolve(pathAndQuery)).GET());
    }

    /** Sends a request built against {@link #api()}, {@link #admin()} or {@link #export()}. */
    public static Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = CLIENT.send(request.timeout(REQUEST_TIMEOUT).build(),
                                                        HttpResponse.BodyHandlers.ofByteArray());
            return new Response(response.statusCode(), headers(response.headers().map()), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Like {@link #send(HttpRequest.Builder)}, without waiting. */
    public static CompletableFuture<Response> sendAsync(HttpRequest.Builder request) {
        return CLIENT.sendAsync(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray())
                     .thenApply(r -> new Response(r.statusCode(), headers(r.headers().map()), r.body()));
    }

    private static Map<String, List<String>> headers(Map<String, List<String>> headers) {
        Map<String, List<String>> lowerCase = new TreeMap<>();
        headers.forEach((name, values) -> lowerCase.computeIfAbsent(name.toLowerCase(Locale.ROOT),
                                                                    n -> new ArrayList<>()).addAll(values));
        return lowerCase;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Raw HTTP/1.1 over a socket, for what the JDK client will not send

    /** A raw request on the API port: {@code head} is the request line and headers, without the blank line. */
    public Response raw(String head, byte[] body) {
        return raw(api.getPort(), head.getBytes(StandardCharsets.ISO_8859_1), body);
    }

    /**
     * One HTTP/1.1 exchange over a fresh socket to localhost. The head gets {@code Host} and
     * {@code Connection: close} added and is ended by the blank line; {@code body} follows as given (frame it
     * yourself: Content-Length or chunked). The body is written concurrently with reading the answer, so a
     * server that answers early (413) and stops reading is observed rather than deadlocked on.
     */
    public static Response raw(int port, byte[] head, byte[] body) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 5_000);
            socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.write(head);
            request.write(("\r\nHost: localhost:" + port + "\r\nConnection: close\r\n\r\n")
                                  .getBytes(StandardCharsets.ISO_8859_1));
            out.write(request.toByteArray());
            out.flush();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    // The server answered and closed before taking the whole body: the answer is what counts.
                }
            });
            Response response = readResponse(socket.getInputStream());
            writer.join(REQUEST_TIMEOUT);
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code body} in chunks of {@code chunkSize}, with the terminating zero chunk. */
    public static byte[] chunked(byte[] body, int chunkSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int offset = 0; offset < body.length; offset += chunkSize) {
            int length = Math.min(chunkSize, body.length - offset);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, offset, length);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** Reads one HTTP/1.1 response (status line, headers, body framed by its headers) from {@code in}. */
    public static Response readResponse(InputStream in) throws IOException {
        String statusLine = readLine(in);
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
        Map<String, List<String>> headers = new TreeMap<>();
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                   .add(line.substring(colon + 1).trim());
        }
        byte[] body;
        if (headers.getOrDefault("transfer-encoding", List.of()).stream().anyMatch(v -> v.contains("chunked"))) {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            for (int size = chunkSize(readLine(in)); size > 0; size = chunkSize(readLine(in))) {
                content.write(in.readNBytes(size));
                readLine(in);
            }
            // The trailer section after the last chunk, up to its empty line: the next response starts after it.
            for (String trailer = readLine(in); trailer != null && !trailer.isEmpty(); trailer = readLine(in)) {
                // trailer fields: none is looked at
            }
            body = content.toByteArray();
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length").getFirst()));
        } else {
            body = in.readAllBytes();
        }
        return new Response(status, headers, body);
    }

    private static int chunkSize(String line) {
        return line == null ? 0 : Integer.parseInt(line.split(";", 2)[0].trim(), 16);
    }

    /** A CRLF-terminated line as ISO-8859-1, without the terminator; {@code null} at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Waiting

    /**
     * Polls {@code probe} until its value satisfies {@code done}, for at most {@code timeout}; returns that value.
     * For conditions the service meets on its own time (a results file appearing), never for ordering our own
     * requests.
     *
     * @throws AssertionError with the last value seen if the timeout passes first
     */
    public static <T> T eventually(Duration timeout, Supplier<T> probe, Predicate<? super T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T value = probe.get();
        while (!done.test(value)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not met within " + timeout + "; last seen: " + value);
            }
            try {
                // A pause between polls, not a synchronisation: the outcome is decided by done.test alone.
                Thread.sleep(POLL_INTERVAL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting; last seen: " + value, e);
            }
            value = probe.get();
        }
        return value;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * An HTTP response.
     *
     * @param headers by lower-case name
     */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {

        public Optional<String> header(String name) {
            List<String> values = headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
            return values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
        }

        /** The Content-Type without parameters, or {@code ""}. */
        public String contentType() {
            return header("Content-Type").map(v -> v.split(";", 2)[0].trim()).orElse("");
        }

        /**
         * Asserts an RFC 9457 problem with {@code status}: {@code application/problem+json} with type, title,
         * status and detail.
         *
         * @return the problem body
         */
        public JsonObject assertProblem(int status) {
            assertThat(toString(), this.status, is(status));
            assertThat(toString(), contentType(), is("application/problem+json"));
            JsonObject problem = json();
            assertThat(problem.toString(), problem.getString("type", null), is(notNullValue()));
            assertThat(problem.toString(), problem.getString("title", null), is(notNullValue()));
            assertThat(problem.toString(), problem.getInt("status", -1), is(status));
            assertThat(problem.toString(), problem.getString("detail", ""), is(not(emptyString())));
            return problem;
        }

        /** The {@code name}s of a problem's {@code invalid-params}, in order; empty if it has none. */
        public List<String> invalidParamNames() {
            JsonObject problem = json();
            if (!problem.containsKey("invalid-params")) {
                return List.of();
            }
            return problem.getJsonArray("invalid-params").getValuesAs(JsonObject.class).stream()
                          .map(param -> param.getString("name")).toList();
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonObject json() {
            return (JsonObject) parse();
        }

        public JsonArray jsonArray() {
            return (JsonArray) parse();
        }

        private JsonStructure parse() {
            try (JsonReader reader = Json.createReader(new ByteArrayInputStream(body))) {
                return reader.read();
            }
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + text();
        }
    }
}
