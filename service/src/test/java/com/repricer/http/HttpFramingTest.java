package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Optional;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * HTTP as real clients speak it (issue 14, items 6, 7, 9 and 10), over raw sockets: old and odd request lines,
 * HEAD, chunked framing and huge declared bodies get a proper answer on the API port, and the connection is
 * closed where the request's framing can no longer be trusted.
 */
class HttpFramingTest {

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    @RegisterExtension
    final RunningService service = RunningService.perTest();

    private RawConnection api() {
        return new RawConnection(service.api().getPort());
    }

    /** {@code response} is a problem with {@code status} and {@code Connection: close}, and the server closed. */
    private static void assertProblemAndClosed(RawConnection connection, Response response, int status) {
        response.assertProblem(status);
        assertThat(response.header("Connection"), is(Optional.of("close")));
        assertThat(connection.closedByServerWithin(CLOSE_WAIT), is(true));
    }

    private RawConnection admin() {
        return new RawConnection(service.admin().getPort());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 6: request lines the server does not serve are answered, on the API port as on the admin port

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET /api/product/p1/price HTTP/1.0\r\n\r\n",
                            "GET /api/product/p1/price HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"})
    void http10IsAnswered505WithAProblemAndClosed(String request) {
        for (RawConnection connection : new RawConnection[] {api(), admin()}) {
            try (connection) {
                Response response = connection.send(request).read();

                assertThat(response.toString(), response.status(), is(505));
                assertThat(response.header("Connection").orElse(""), is("close"));
                assertThat(connection.closedByServerWithin(CLOSE_WAIT), is(true));
            }
        }
        try (RawConnection connection = api()) {
            connection.send(request).read().assertProblem(505);
        }
    }

    @Test
    void aRequestTargetOver8KibIs414() {
        String request = "GET /api/product/" + "x".repeat(9000) + "/price HTTP/1.1\r\nHost: localhost\r\n\r\n";
        try (RawConnection connection = api()) {
            connection.send(request).read().assertProblem(414);
        }
        try (RawConnection connection = admin()) {
            assertThat(connection.send(request).read().status(), is(414));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"GET /api/product/p1/price HTTP/1.1\nHost: localhost\n\n",  // bare LF
                            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"})                      // HTTP/2 prior knowledge
    void aRequestLineThatIsNotHttp11Is400AndCloses(String request) {
        try (RawConnection connection = api()) {
            connection.send(request).read().assertProblem(400);
            assertThat(connection.closedByServerWithin(CLOSE_WAIT), is(true));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 7: HEAD is served where GET is, and no HEAD answer carries a body

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/api/product/p1/price", "/api/query?productId=p1"})
    void headIsServedLikeGetWithoutTheBodyAndTheConnectionStaysInStep(String target) {
        assertThat(service.reprice("p1", "3.50").status(), is(200));
        Response get = service.get(target);

        try (RawConnection connection = api()) {
            Response head = connection.send("HEAD " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").readHead();
            Response next = connection.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").read();

            assertThat(head.toString(), head.status(), is(200));
            assertThat(head.contentType(), is("application/json"));
            assertThat("Content-Length of HEAD = length of the GET body", head.header("Content-Length"),
                       is(Optional.of(Integer.toString(get.body().length))));
            assertThat(next.toString(), next.status(), is(200));
            assertThat(next.text(), is(get.text()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"/api/reprice, 405", "/api/product/never-priced/price, 404", "/api/unknown, 404",
                "/api/query?foo=1, 400"})
    void headAnswersWithoutABodyEverywhere(String target, int status) {
        try (RawConnection connection = api()) {
            Response head = connection.send("HEAD " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").readHead();
            // Were a body sent after the HEAD answer, it would be read here as the next status line.
            Response next = connection.send("GET /api/product/never-priced/price HTTP/1.1\r\nHost: localhost"
                                            + "\r\n\r\n").read();

            assertThat(head.toString(), head.status(), is(status));
            next.assertProblem(404);
        }
    }

    @Test
    void headIsAllowedWhereGetIs() {
        Response response = service.method("DELETE", "/api/product/p1/price");

        assertThat(response.header("Allow"), is(Optional.of("GET, HEAD")));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 9: chunk extensions and trailer fields are accepted; malformed chunked framing is 400 and closes

    private static final String REPRICE_BODY = "{\"productId\":\"p1\",\"price\":1.25}";
    private static final String CHUNKED_POST = "POST /api/reprice HTTP/1.1\r\nHost: localhost\r\n"
                                               + "Transfer-Encoding: chunked\r\n\r\n";
    private static final String NEXT_GET = "GET /api/product/p1/price HTTP/1.1\r\nHost: localhost\r\n\r\n";

    /** {@link #REPRICE_BODY} in chunks of 10 bytes, {@code extension} after every chunk size, the last one's too. */
    private static String chunksWith(String extension) {
        StringBuilder chunks = new StringBuilder();
        for (int at = 0; at < REPRICE_BODY.length(); at += 10) {
            String data = REPRICE_BODY.substring(at, Math.min(at + 10, REPRICE_BODY.length()));
            chunks.append(Integer.toHexString(data.length())).append(extension).append("\r\n").append(data)
                  .append("\r\n");
        }
        return chunks.append('0').append(extension).append("\r\n").toString();
    }

    /** The reprice is stored, and the request pipelined behind it on the same connection is answered in step. */
    private void assertStoredAndTheConnectionGoesOn(String chunkedBodyAndTrailers) {
        try (RawConnection connection = api()) {
            connection.send(CHUNKED_POST + chunkedBodyAndTrailers + NEXT_GET);
            Response stored = connection.read();
            Response next = connection.read();

            assertThat(stored.toString(), stored.status(), is(200));
            assertThat(next.toString(), next.status(), is(200));
            assertThat(next.text(), next.text().contains("1.25"), is(true));
        }
    }

    /** RFC 9112 §7.1.1: extensions the server does not understand are ignored, on every chunk and the last. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {";a=b", ";name=\"v a\"", ";flag", " ; a = b ;c=\"q\\\"x;y\"", ";sig=\"\";n=1"})
    void chunkExtensionsAreIgnored(String extension) {
        assertStoredAndTheConnectionGoesOn(chunksWith(extension) + "\r\n");
    }

    /** RFC 9112 §7.1.2: the trailer section is read and discarded. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"X-Checksum: abc\r\n", "X-Checksum: abc\r\nX-Other:\tv w \r\nEmpty:\r\n"})
    void trailerFieldsAreDiscarded(String trailerFields) {
        assertStoredAndTheConnectionGoesOn(chunksWith("") + trailerFields + "\r\n");
    }

    @Test
    void extensionsAndTrailersTogether() {
        assertStoredAndTheConnectionGoesOn(chunksWith(";a=\"v a\"") + "X-Checksum: abc\r\n\r\n");
    }

    /**
     * Chunked framing that cannot be trusted: a bad size, a size line that is not {@code hex [; ext]}, chunk data
     * not followed by CRLF, a bad trailer line, over-long lines. Each is refused as a client error and the
     * connection closed (the rest of the body cannot be framed); nothing is stored; never 500, never kept alive.
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
            "zz\r\n",                                         // not hexadecimal
            "-1\r\n",                                         // negative
            "\r\n",                                           // empty size line
            "0x1c\r\n",                                       // a prefix
            "1c \r\n",                                        // whitespace without an extension
            "1c;\r\n",                                        // an extension without a name
            "1c;a=\r\n",                                      // an extension without a value
            "1c;a=\"open\r\n",                               // an unclosed quoted value
            "1c;a=b c\r\n",                                   // a value that is not one token
            "1c;a\u0001b\r\n",                               // a control character
            "1c\n",                                            // a bare LF
            "1c;x=LONG\r\n",                                  // a size line over 4 KiB
            "1cMISSING-CRLF",                                  // chunk data not followed by CRLF
            "1cTRAILER:No colon here\r\n",                    // a trailer line without a colon
            "1cTRAILER:X-A: 1\r\n folded\r\n"})               // an obsolete folded trailer line
    void malformedChunkedFramingIs400AndCloses(String defect) {
        String sizeLine = defect.replace("LONG", "v".repeat(5000));
        String afterData = "\r\n";
        String trailers = "";
        if (defect.endsWith("MISSING-CRLF")) {
            sizeLine = "1c\r\n";
            afterData = "XX";
        } else if (defect.startsWith("1cTRAILER:")) {
            sizeLine = "1c\r\n";
            trailers = defect.substring("1cTRAILER:".length());
        }
        String body = "{\"productId\":\"p1\",\"price\":1}";  // 0x1c bytes
        try (RawConnection connection = api()) {
            Response response = connection.send(CHUNKED_POST + sizeLine + body + afterData + "0\r\n" + trailers
                                                + "\r\n" + NEXT_GET).read();

            assertProblemAndClosed(connection, response, 400);
        }
        assertThat(service.get("/api/product/p1/price").status(), is(404));
    }

    /**
     * A chunk whose size line alone is over the 64 KiB a body may have is refused from that line (413, closed):
     * Helidon would otherwise read the whole chunk into memory first. Sizes of more digits than a long are too large
     * too, not malformed.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"10001", "7fffffff", "100000000", "0000000000000000000010001",
                            "ffffffffffffffffffffffff;a=b"})
    void aChunkLargerThanABodyMayBeIs413AndClosesBeforeItsDataArrives(String size) {
        try (RawConnection connection = api()) {
            Response response = connection.send(CHUNKED_POST + size + "\r\n" + "x".repeat(1000)).read();

            assertProblemAndClosed(connection, response, 413);
        }
    }

    @Test
    void aChunkOfExactlyTheBodyLimitIsRead() {
        try (RawConnection connection = api()) {
            Response response = connection.send(CHUNKED_POST + "10000\r\n" + " ".repeat(65536) + "\r\n0\r\n\r\n")
                                          .read();

            // Read in whole and parsed: blank JSON is a 400 for the body, with the connection kept.
            response.assertProblem(400);
            assertThat(response.header("Connection"), is(Optional.of("keep-alive")));
        }
    }

    /**
     * The admin and export sockets read no request body: one that carries a body (well-formed chunked, with
     * extensions or trailers, malformed, or a huge declared length) gets its route's one answer with
     * {@code Connection: close}, and the pipelined request behind it is never answered.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "admin  | extensions",
            "admin  | trailers",
            "admin  | malformed",
            "admin  | huge-length",
            "export | extensions",
            "export | malformed",
            "export | huge-length"})
    void aRequestBodyOnTheAdminOrExportSocketGetsOneAnswerAndTheConnectionCloses(String socket, String body) {
        String target = socket.equals("admin") ? "/observe/health" : "/debug/results";
        int port = socket.equals("admin") ? service.admin().getPort() : service.export().getPort();
        String framing = switch (body) {
            case "extensions" -> "Transfer-Encoding: chunked\r\n\r\n" + chunksWith(";a=b") + "\r\n";
            case "trailers" -> "Transfer-Encoding: chunked\r\n\r\n" + chunksWith("") + "X-Checksum: abc\r\n\r\n";
            case "malformed" -> "Transfer-Encoding: chunked\r\n\r\nzz\r\n";
            default -> "Content-Length: 1000000000\r\n\r\n" + "x".repeat(1000);
        };
        try (RawConnection connection = new RawConnection(port)) {
            Response response = connection.send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + framing
                                                + "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").read();

            assertThat(response.toString(), response.status(), is(200));
            assertThat(response.header("Connection"), is(Optional.of("close")));
            assertThat(connection.closedByServerWithin(CLOSE_WAIT), is(true));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"admin", "export"})
    void aRequestWithoutABodyOnTheAdminOrExportSocketKeepsTheConnection(String socket) {
        String target = socket.equals("admin") ? "/observe/health" : "/debug/results";
        int port = socket.equals("admin") ? service.admin().getPort() : service.export().getPort();
        String request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
        try (RawConnection connection = new RawConnection(port)) {
            Response first = connection.send(request + request).read();
            Response second = connection.read();

            assertThat(first.toString(), first.status(), is(200));
            assertThat(second.toString(), second.status(), is(200));
        }
    }

    @Test
    void aWellFramedChunkedBodyIsStoredAndTheConnectionKeptAlive() {
        String body = "{\"productId\":\"p1\",\"price\":1}";
        try (RawConnection connection = api()) {
            Response stored = connection.send("POST /api/reprice HTTP/1.1\r\nHost: localhost\r\n"
                                              + "Transfer-Encoding: chunked\r\n\r\n"
                                              + new String(RunningService.chunked(body.getBytes(
                                                      java.nio.charset.StandardCharsets.UTF_8), 7),
                                                           java.nio.charset.StandardCharsets.ISO_8859_1)).read();
            Response next = connection.send("GET /api/product/p1/price HTTP/1.1\r\nHost: localhost\r\n\r\n")
                                      .read();

            assertThat(stored.toString(), stored.status(), is(200));
            assertThat(next.toString(), next.status(), is(200));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Item 10: a huge declared body is answered 413 and the connection closed, not drained

    @Test
    void aHugeDeclaredBodyIs413AndClosedWithoutDrainingIt() {
        try (RawConnection connection = api()) {
            Response response = connection.send("POST /api/reprice HTTP/1.1\r\nHost: localhost\r\n"
                                                + "Content-Length: 1000000000\r\n\r\n")
                                          .send(new byte[16 * 1024])
                                          .read();

            // Were the server draining the declared gigabyte, it would not close the connection.
            assertProblemAndClosed(connection, response, 413);
        }
    }

    /**
     * A declared body just over the limit is read and dropped before the 413, so that a client still sending it
     * reads the answer instead of a reset, and the connection goes on.
     */
    @Test
    void aModestlyOversizedDeclaredBodyIsReadBeforeThe413AndTheConnectionGoesOn() {
        int size = 64 * 1024 + 1;
        try (RawConnection connection = api()) {
            Response refused = connection.send("POST /api/reprice HTTP/1.1\r\nHost: localhost\r\n"
                                               + "Content-Length: " + size + "\r\n\r\n")
                                         .send(new byte[size])
                                         .read();
            Response next = connection.send("GET /api/product/p1/price HTTP/1.1\r\nHost: localhost\r\n\r\n")
                                      .read();

            assertThat(refused.toString(), refused.status(), is(413));
            assertThat(next.toString(), next.status(), is(404));
        }
    }
}
