package com.repricer.openapi;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import com.repricer.openapi.OpenApiContract.Request;
import com.repricer.storage.fs.FaultyStorageFiles;
import com.repricer.storage.fs.FaultyStorageFiles.Fault;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static com.repricer.RunningService.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The running service against its OpenAPI document: every documented operation is driven through every status the
 * document gives it, and each real request and response is checked against the document by {@link OpenApiContract}.
 * An undocumented status, header or field fails, and so does a documented status the service never produced (the
 * last test). Requests the service refuses with 400 or 413 must be refused by the document's schemas too, so that
 * the document states the rules rather than only the shapes.
 *
 * <p>One service for the whole class, configured so that every status can be produced for real: a short read
 * timeout (408 for a stalled body), small read limits (503 once two slow readers hold the permits) and
 * fault-injecting storage (503 for a reprice while the log cannot be fsync'ed).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiContractTest {

    private static final Duration READ_TIMEOUT = Duration.ofMillis(500);
    /** A bound for what the service does on its own time (a permit taken, readiness back), not a wait. */
    private static final Duration SOON = Duration.ofSeconds(20);
    /**
     * How long the slow readers may take to hold every permit: until the server's socket buffers are full of
     * unread answers, which takes a few seconds on an idle machine and over 20 s on a busy one (a CI run beside a
     * deletion of a million files missed 20 s).
     */
    private static final Duration SATURATED = Duration.ofSeconds(90);
    private static final String LONG_ID = "long-" + "x".repeat(200);
    /**
     * Concurrent requests per read endpoint. Not 1: a handler releases its permit just after the client has read
     * the answer, so the next request of a sequential client could find it still taken.
     */
    private static final int READ_LIMIT = 2;

    @TempDir
    static Path dataDir;
    private static FaultyStorageFiles files;
    private static RunningService service;
    private static final OpenApiContract CONTRACT = OpenApiContract.load();

    @BeforeAll
    static void start() throws IOException {
        files = new FaultyStorageFiles(dataDir);
        service = RunningService.start(dataDir, Map.of("server.connection-options.read-timeout", READ_TIMEOUT.toString(),
                                                       "repricer.limits.product", Integer.toString(READ_LIMIT),
                                                       "repricer.limits.query", Integer.toString(READ_LIMIT)), files);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // POST /api/reprice

    @Test
    @Order(1)
    void repriceAnswersAsDocumented() {
        Response first = sendConforming(reprice("{\"productId\":\"p1\",\"price\":3.50}"));
        assertThat(first.toString(), first.status(), is(200));
        Response second = sendConforming(reprice("{\"productId\":\"p1\",\"price\":4.200000000000000001}"));
        assertThat(second.toString(), second.status(), is(200));
        assertThat(sendConforming(reprice("{\"productId\":\"shoes/red 42+ü\",\"price\":1e2}")).status(), is(200));
        assertThat(sendConforming(reprice("{\"productId\":\"" + LONG_ID + "\",\"price\":99999999999999999999.5}"))
                           .status(), is(200));

        Request keyed = reprice("{\"productId\":\"p2\",\"price\":7.25}", "Idempotency-Key", "crawler-7:4711");
        assertThat(sendConforming(keyed).status(), is(200));
        Response replayed = sendConforming(keyed);
        assertThat(replayed.toString(), replayed.status(), is(200));
        assertThat(replayed.header("Idempotent-Replayed").orElse(""), is("true"));
        Response reused = sendConforming(reprice("{\"productId\":\"p2\",\"price\":7.5}",
                                                 "Idempotency-Key", "crawler-7:4711"));
        assertThat(reused.toString(), reused.status(), is(422));
    }

    @Test
    @Order(2)
    void invalidRepricesAre400AndTheDocumentRefusesThemToo() {
        List<Request> invalid = List.of(
                reprice("{\"productId\":\"p1\",\"price\":0}"),
                reprice("{\"productId\":\"p1\",\"price\":-1}"),
                reprice("{\"productId\":\"p1\",\"price\":\"3.50\"}"),
                reprice("{\"productId\":\"p1\",\"price\":null}"),
                reprice("{\"productId\":\"p1\",\"price\":1e20}"),
                reprice("{\"productId\":\"p1\",\"price\":0.0000000000000000001}"),
                reprice("{\"productId\":\"\",\"price\":1}"),
                reprice("{\"productId\":\"a\\u0001b\",\"price\":1}"),
                reprice("{\"productId\":\"" + "y".repeat(513) + "\",\"price\":1}"),
                reprice("{\"productId\":\"p1\"}"),
                reprice("{\"productId\":\"p1\",\"price\":1,\"currency\":\"EUR\"}"),
                reprice("{\"productId\":\"p1\",\"price\":1,\"price\":2}"),
                reprice("{\"productId\":\"p1\",\"price\":1} x"),
                reprice("[]"),
                reprice("not json"),
                reprice(""),
                reprice("{\"productId\":\"p1\",\"price\":1}", "Idempotency-Key", "with space"),
                reprice("{\"productId\":\"p1\",\"price\":1}", "Idempotency-Key", "k".repeat(256)));
        for (Request request : invalid) {
            Response response = sendNonConforming(request);
            assertThat(response.toString(), response.status(), is(400));
        }
        Response twice = sendNonConforming(new Request("POST", "/api/reprice",
                                                       Map.of("idempotency-key", List.of("a", "b")),
                                                       utf8("{\"productId\":\"p1\",\"price\":1}")));
        assertThat(twice.toString(), twice.status(), is(400));
    }

    @Test
    @Order(3)
    void bodyOver64KiBIs413() {
        Response response = sendNonConforming(reprice("{\"productId\":\"" + "z".repeat(70_000) + "\",\"price\":1}"));
        assertThat(response.toString(), response.status(), is(413));
    }

    @Test
    @Order(4)
    void stalledBodyIs408() throws IOException {
        byte[] body = utf8("{\"productId\":\"stalled\",\"price\":3.50}");
        Request request = reprice(new String(body, StandardCharsets.UTF_8));
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(keptAliveHead(request));
            out.write(body, 0, body.length / 2);  // and then nothing: the read timeout fires
            out.flush();
            socket.setSoTimeout((int) RunningService.REQUEST_TIMEOUT.toMillis());
            // The request never completed, so only the answer is held to the document.
            Response response = RunningService.readResponse(socket.getInputStream());
            assertResponseConforms(request, response);
            assertThat(response.toString(), response.status(), is(408));
        }
    }

    @Test
    @Order(5)
    void repriceWhileStorageFailsIs503WithRetryAfter() {
        files.arm(Fault.LOG_FSYNC);
        try {
            Response refused = eventually(SOON, () -> sendConforming(reprice("{\"productId\":\"p3\",\"price\":1.25}")),
                                          response -> response.status() != 200);
            assertThat(refused.toString(), refused.status(), is(503));
        } finally {
            files.disarm(Fault.LOG_FSYNC);
        }
        eventually(SOON, () -> service.adminGet("/observe/health/ready").status(), status -> status == 200);
    }

    // ---------------------------------------------------------------------------------------------------------
    // GET /api/product/{productId}/price

    @Test
    @Order(10)
    void productPriceAnswersAsDocumented() {
        for (String path : List.of("/api/product/p1/price", "/api/product/shoes%2Fred%2042+%C3%BC/price",
                                   "/api/product/shoes/red%2042+%C3%BC/price", "/api/product/" + LONG_ID + "/price")) {
            Response response = sendConforming(get(path));
            assertThat(response.toString(), response.status(), is(200));
        }
        Response never = sendConforming(get("/api/product/never-priced/price"));
        assertThat(never.toString(), never.status(), is(404));
    }

    @Test
    @Order(11)
    void badlyEncodedProductIdIs400() {
        for (String id : List.of("%zz", "bad%2", "%C3%28", "%FF", "a%01b", "%7F")) {
            Response response = sendNonConforming(get("/api/product/" + id + "/price"));
            assertThat(response.toString(), response.status(), is(400));
        }
    }

    @Test
    @Order(12)
    void productPriceOverTheConcurrencyLimitIs503WithRetryAfter() throws IOException {
        assertOverTheLimitIs503(get("/api/product/" + LONG_ID + "/price"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // GET /api/query

    @Test
    @Order(20)
    void queryAnswersAsDocumentedWithEveryParameter() {
        List<String> queries = List.of(
                "/api/query",
                "/api/query?pagesize=2",
                "/api/query?pageSize=2&pageNumber=2",
                "/api/query?productId=p1",
                "/api/query?productId=shoes%2Fred%2042+%C3%BC",
                "/api/query?from=2026-01-01T00:00:00Z&to=2262-01-01T00:00:00.123456789%2B02:00",
                "/api/query?from=0&to=9000000000.999999999&pagesize=1000&pageNumber=1",
                "/api/query?pageNumber=1000000");
        boolean linked = false;
        for (String query : queries) {
            Response response = sendConforming(get(query));
            assertThat(response.toString(), response.status(), is(200));
            linked |= response.header("Link").isPresent();
        }
        assertThat("some page links to the next", linked, is(true));
    }

    @Test
    @Order(21)
    void invalidQueriesAre400AndTheDocumentRefusesThemToo() {
        for (String query : List.of("?pagesize=0", "?pagesize=1001", "?pageSize=x", "?pageNumber=0", "?pageNumber=-1",
                                    "?from=yesterday", "?to=1.0000000001", "?from=2026-11-27T17:13:07",
                                    "?pagesize=1&pagesize=2", "?unknown=1",
                                    "?productId=", "?productId=a%01b")) {
            Response response = sendNonConforming(get("/api/query" + query));
            assertThat(response.toString(), response.status(), is(400));
        }
        // Each parameter valid by its schema; the combination is refused as the operation's description says.
        for (String query : List.of("?from=2&to=1", "?pagesize=1&pageSize=1")) {
            Response response = sendConforming(get("/api/query" + query));
            assertThat(response.toString(), response.status(), is(400));
        }
    }

    @Test
    @Order(22)
    void queryOverTheConcurrencyLimitIs503WithRetryAfter() throws IOException {
        assertOverTheLimitIs503(get("/api/query?pagesize=1000"));
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    @Order(100)
    void everyDocumentedStatusWasProduced() {
        Set<String> missing = new TreeSet<>(CONTRACT.documentedResponses());
        missing.removeAll(CONTRACT.seenResponses());
        assertThat("documented (operation, status) pairs the service never answered", missing, is(empty()));
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * A connection that pipelines {@code request} and never reads the answers holds one of the endpoint's permits
     * once the socket buffers are full (the server's write of an answer blocks inside the handler). With every
     * permit held so, the next request of the endpoint gets 503. Closing the connections frees the permits.
     */
    private static void assertOverTheLimitIs503(Request request) throws IOException {
        List<Socket> slowReaders = new ArrayList<>();
        List<Thread> writers = new ArrayList<>();
        try {
            for (int i = 0; i < READ_LIMIT; i++) {
                Socket slowReader = new Socket();
                slowReaders.add(slowReader);
                slowReader.setReceiveBufferSize(4096);
                slowReader.connect(new InetSocketAddress("localhost", service.api().getPort()), 5_000);
                writers.add(Thread.ofVirtual().name("pipelining slow reader " + i).start(() -> pipeline(slowReader,
                                                                                                     request)));
            }
            Response refused = eventually(SATURATED, () -> sendConforming(request),
                                          response -> response.status() != 200);
            assertThat(refused.toString(), refused.status(), is(503));
        } finally {
            for (Socket slowReader : slowReaders) {
                slowReader.close();
            }
        }
        for (Thread writer : writers) {
            try {
                writer.join(SOON);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        eventually(SOON, () -> sendConforming(request).status(), status -> status == 200);
    }

    /** Sends {@code request} on {@code socket} again and again, until the socket is closed. */
    private static void pipeline(Socket socket, Request request) {
        byte[] head = keptAliveHead(request);
        try {
            OutputStream out = socket.getOutputStream();
            while (!socket.isClosed()) {
                out.write(head);
            }
        } catch (IOException e) {
            // closed by the test: the end of the pipeline
        }
    }

    /** Sends a request the document accepts; its answer must conform as well. */
    private static Response sendConforming(Request request) {
        assertThat("the document accepts " + describe(request), CONTRACT.requestViolations(request), is(empty()));
        Response response = send(request);
        assertResponseConforms(request, response);
        return response;
    }

    /** Sends a request the document refuses; its answer must conform all the same. */
    private static Response sendNonConforming(Request request) {
        assertThat("the document refuses " + describe(request), CONTRACT.requestViolations(request), is(not(empty())));
        Response response = send(request);
        assertResponseConforms(request, response);
        return response;
    }

    private static void assertResponseConforms(Request request, Response response) {
        assertThat("the answer to " + describe(request) + " is " + response,
                   CONTRACT.responseViolations(request, response), is(empty()));
    }

    /** Over a fresh socket, so that any target and header can be sent exactly as written. */
    private static Response send(Request request) {
        // RunningService.raw adds Host, Connection: close and the blank line.
        return RunningService.raw(service.api().getPort(), requestHead(request).getBytes(StandardCharsets.ISO_8859_1),
                                  request.body());
    }

    /** The request line and headers, with Content-Length for a POST; without Host and the blank line. */
    private static String requestHead(Request request) {
        StringBuilder head = new StringBuilder(request.method() + " " + request.target() + " HTTP/1.1");
        request.headers().forEach((name, values) -> values.forEach(v -> head.append("\r\n").append(name)
                                                                               .append(": ").append(v)));
        if (request.method().equals("POST")) {
            head.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(request.body().length);
        }
        return head.toString();
    }

    /** The whole head of a request on a kept-alive connection. */
    private static byte[] keptAliveHead(Request request) {
        return (requestHead(request) + "\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("localhost", service.api().getPort()), 5_000);
        return socket;
    }

    private static Request reprice(String body, String... headerNamesAndValues) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 0; i < headerNamesAndValues.length; i += 2) {
            headers.computeIfAbsent(headerNamesAndValues[i].toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                   .add(headerNamesAndValues[i + 1]);
        }
        return new Request("POST", "/api/reprice", headers, utf8(body));
    }

    private static Request get(String target) {
        return new Request("GET", target, Map.of(), new byte[0]);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String describe(Request request) {
        String body = new String(request.body(), StandardCharsets.UTF_8);
        return request.method() + " " + request.target() + " " + request.headers() + " "
               + (body.length() > 200 ? body.substring(0, 200) + "…" : body);
    }
}
