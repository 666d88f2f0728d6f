package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** {@code POST /api/reprice} over HTTP against the real service (SPEC §1). */
class RepriceApiTest {

    /** The timestamp as the API writes it: epoch seconds with exactly nine fraction digits. */
    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\":([0-9]+\\.[0-9]{9})}");
    private static final int MAX_BODY = 64 * 1024;

    @RegisterExtension
    final RunningService service = RunningService.perTest();

    // ---------------------------------------------------------------------------------------------------------
    // Success

    @Test
    void firstRecordHasNoPreviousPriceAndTheNextChainsOnIt() {
        Response first = service.reprice("p1", "3.50");
        Response second = service.reprice("p1", "4.20");

        assertThat(first.toString(), first.status(), is(200));
        assertThat(first.contentType(), is("application/json"));
        JsonObject stored = first.json();
        assertThat(stored.getString("productId"), is("p1"));
        assertThat(stored.get("previousPrice"), is(JsonValue.NULL));
        assertThat(stored.getJsonNumber("newPrice").bigDecimalValue(), is(new BigDecimal("3.50")));
        assertThat(stored.keySet(), is(java.util.Set.of("productId", "previousPrice", "newPrice", "timestamp")));

        assertThat(second.toString(), second.status(), is(200));
        assertThat(second.text(), containsJson("\"productId\":\"p1\",\"previousPrice\":3.50,\"newPrice\":4.20,"));
        assertThat(timestamp(second), is(greaterThan(timestamp(first))));
    }

    @Test
    void priceKeepsItsScaleInPlainNotation() {
        assertThat(service.reprice("p1", "3.50").text(), containsJson("\"newPrice\":3.50,"));
        assertThat(service.reprice("p1", "1e2").text(), containsJson("\"previousPrice\":3.50,\"newPrice\":100,"));
        assertThat(service.reprice("p1", "1.50e1").text(), containsJson("\"newPrice\":15.0,"));
        assertThat(service.reprice("p1", "0.000000000000000001").text(),
                   containsJson("\"newPrice\":0.000000000000000001,"));
        assertThat(service.reprice("p1", "99999999999999999999.999999999999999999").text(),
                   containsJson("\"newPrice\":99999999999999999999.999999999999999999,"));
    }

    @Test
    void timestampIsEpochSecondsWithNineFractionDigitsNearNow() {
        Instant before = Instant.now();
        Response response = service.reprice("p1", "1");
        Instant after = Instant.now();

        BigDecimal seconds = timestamp(response);  // TIMESTAMP enforces the nine digits
        Instant stamped = Instant.ofEpochSecond(seconds.longValue(),
                                                seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
        assertThat(stamped.isBefore(before.minusSeconds(1)), is(false));
        assertThat(stamped.isAfter(after.plusSeconds(1)), is(false));
    }

    @Test
    void eachProductHasItsOwnChain() {
        service.reprice("p1", "1.00");
        Response other = service.reprice("p2", "2.00");
        Response again = service.reprice("p1", "1.10");

        assertThat(other.json().get("previousPrice"), is(JsonValue.NULL));
        assertThat(again.json().getJsonNumber("previousPrice").bigDecimalValue(), is(new BigDecimal("1.00")));
    }

    @Test
    void curlFormContentTypeIsAccepted() {
        // curl -d '{"productId":"p1","price":3.50}' sends application/x-www-form-urlencoded.
        Response response = service.post("/api/reprice", "{\"productId\":\"p1\",\"price\":3.50}"
                .getBytes(StandardCharsets.UTF_8), "application/x-www-form-urlencoded");

        assertThat(response.toString(), response.status(), is(200));
        assertThat(response.json().getString("productId"), is("p1"));
    }

    @Test
    void noContentTypeIsAccepted() {
        Response response = service.post("/api/reprice", "{\"productId\":\"p1\",\"price\":3.50}"
                .getBytes(StandardCharsets.UTF_8), null);

        assertThat(response.toString(), response.status(), is(200));
    }

    @Test
    void productIdOfExactly512BytesWithAnythingButControlsIsAccepted() {
        String anything = "a/../%2F+ é€😀";
        String id = anything + "x".repeat(512 - anything.getBytes(StandardCharsets.UTF_8).length);
        assertThat(id.getBytes(StandardCharsets.UTF_8).length, is(512));

        Response response = service.reprice(id, "1");

        assertThat(response.toString(), response.status(), is(200));
        assertThat(response.json().getString("productId"), is(id));
    }

    @Test
    void bodyOfExactly64KiBIsAccepted() {
        String json = "{\"productId\":\"p1\",\"price\":1}";
        byte[] body = (json + " ".repeat(MAX_BODY - json.length())).getBytes(StandardCharsets.UTF_8);

        Response response = service.post("/api/reprice", body, "application/json");

        assertThat(response.toString(), response.status(), is(200));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rejections: 400 problem+json, nothing stored

    static Stream<Arguments> badBodies() {
        return Stream.of(
                // price out of DECIMAL(38,18) or not a positive number
                bad("{\"productId\":\"p1\",\"price\":1e999999999}", "price"),
                bad("{\"productId\":\"p1\",\"price\":1e-999999999}", "price"),
                bad("{\"productId\":\"p1\",\"price\":-1}", "price"),
                bad("{\"productId\":\"p1\",\"price\":0}", "price"),
                bad("{\"productId\":\"p1\",\"price\":0.000}", "price"),
                bad("{\"productId\":\"p1\",\"price\":-0}", "price"),
                bad("{\"productId\":\"p1\",\"price\":1e20}", "price"),
                bad("{\"productId\":\"p1\",\"price\":100000000000000000000}", "price"),
                bad("{\"productId\":\"p1\",\"price\":0.0000000000000000001}", "price"),
                bad("{\"productId\":\"p1\",\"price\":1.0000000000000000000}", "price"),
                bad("{\"productId\":\"p1\",\"price\":\"3.50\"}", "price"),
                bad("{\"productId\":\"p1\",\"price\":null}", "price"),
                bad("{\"productId\":\"p1\",\"price\":true}", "price"),
                bad("{\"productId\":\"p1\",\"price\":{}}", "price"),
                bad("{\"productId\":\"p1\",\"price\":[1]}", "price"),
                bad("{\"productId\":\"p1\",\"price\":NaN}", null),
                bad("{\"productId\":\"p1\",\"price\":Infinity}", null),
                bad("{\"productId\":\"p1\",\"price\":0x10}", null),
                bad("{\"productId\":\"p1\"}", "price"),
                // productId
                bad("{\"price\":1}", "productId"),
                bad("{\"productId\":\"\",\"price\":1}", "productId"),
                bad("{\"productId\":42,\"price\":1}", "productId"),
                bad("{\"productId\":null,\"price\":1}", "productId"),
                bad("{\"productId\":\"" + "x".repeat(513) + "\",\"price\":1}", "productId"),
                bad("{\"productId\":\"" + "€".repeat(171) + "\",\"price\":1}", "productId"),  // 171 chars, 513 bytes
                bad("{\"productId\":\"a\\u0000b\",\"price\":1}", "productId"),
                bad("{\"productId\":\"a\\u001fb\",\"price\":1}", "productId"),
                bad("{\"productId\":\"a\\nb\",\"price\":1}", "productId"),
                bad("{\"productId\":\"a\\u007fb\",\"price\":1}", "productId"),
                bad("{\"productId\":\"a\\u0085b\",\"price\":1}", "productId"),
                bad("{\"productId\":\"a\\u009fb\",\"price\":1}", "productId"),
                bad("{\"productId\":\"a\\ud800b\",\"price\":1}", "productId"),
                bad("{\"productId\":\"a\\udc00\",\"price\":1}", "productId"),
                bad("{\"productId\":\"a\u0001b\",\"price\":1}", null),  // a raw control character is not JSON
                // object structure
                bad("{\"productId\":\"p1\",\"price\":1,\"currency\":\"EUR\"}", "currency"),
                bad("{\"productId\":\"p1\",\"price\":1,\"price\":2}", "price"),
                bad("{\"productId\":\"p1\",\"productId\":\"p2\",\"price\":1}", "productId"),
                bad("{\"productId\":\"p1\",\"price\":1} x", null),
                bad("{\"productId\":\"p1\",\"price\":1}{\"productId\":\"p2\",\"price\":1}", null),
                bad("{\"productId\":\"p1\",\"price\":1,}", null),
                bad("{\"productId\":\"p1\",\"price\":1", null),
                bad("", null),
                bad("  \r\n\t", null),
                bad("[{\"productId\":\"p1\",\"price\":1}]", null),
                bad("\"p1\"", null),
                bad("3.50", null),
                bad("null", null),
                bad("true", null),
                bad("productId=p1&price=3.50", null),
                // invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong '/', a UTF-16 surrogate
                badBytes("{\"productId\":\"p\u0080\",\"price\":1}", "80", null),
                badBytes("{\"productId\":\"p\u00c3\",\"price\":1}", "c3", null),
                badBytes("{\"productId\":\"p\u00c0\u00af\",\"price\":1}", "c0af", null),
                badBytes("{\"productId\":\"p\u00ed\u00a0\u0080\",\"price\":1}", "eda080", null));
    }

    /** A body given as text, sent as its UTF-8 bytes. */
    private static Arguments bad(String body, String field) {
        String label = body.length() > 60 ? body.substring(0, 60) + "…(" + body.length() + " chars)" : body;
        return arguments(label, body.getBytes(StandardCharsets.UTF_8), field);
    }

    /**
     * A body with invalid UTF-8: each char of {@code latin1} in U+0080–U+00FF stands for that one byte.
     *
     * @param hex the odd bytes, for the test name
     */
    private static Arguments badBytes(String latin1, String hex, String field) {
        byte[] bytes = latin1.getBytes(StandardCharsets.ISO_8859_1);
        return arguments("invalid UTF-8 " + HexFormat.ofDelimiter(" ").formatHex(HexFormat.of().parseHex(hex)),
                         bytes, field);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badBodies")
    void rejectedBodyIs400ProblemAndNothingIsStored(String label, byte[] body, String field) {
        Response response = service.post("/api/reprice", body, "application/json");

        response.assertProblem(400);
        if (field != null) {
            assertThat(response.toString(), response.invalidParamNames(), hasItem(field));
        }
        assertNothingStored();
    }

    @Test
    void rejectedPriceIsAnsweredFast() {
        // A naive BigDecimal/BigInteger path would spend seconds (or memory) on these; the request timeout of
        // the client is the real bound, this only documents the intent.
        for (String price : new String[] {"1e999999999", "1e-999999999", "9".repeat(60_000)}) {
            long started = System.nanoTime();
            service.reprice("p1", price).assertProblem(400);
            assertThat(price.length() + " chars", Duration.ofNanos(System.nanoTime() - started),
                       is(lessThan(Duration.ofSeconds(3))));
        }
        assertNothingStored();
    }

    @Test
    void bodyOver64KiBWithContentLengthIs413() {
        byte[] body = bodyOf(MAX_BODY + 1);

        Response response = service.post("/api/reprice", body, "application/json");

        response.assertProblem(413);
        assertNothingStored();
    }

    @Test
    void hugeDeclaredContentLengthIs413WithoutSendingTheBody() {
        Response response = service.raw("POST /api/reprice HTTP/1.1\r\nContent-Type: application/json\r\n"
                                        + "Content-Length: 10000000000", new byte[0]);

        response.assertProblem(413);
        assertNothingStored();
    }

    @ParameterizedTest(name = "chunked body of {0} bytes")
    @ValueSource(ints = {MAX_BODY + 1, 10 * MAX_BODY})
    void chunkedBodyOver64KiBIs413(int size) {
        Response response = service.raw("POST /api/reprice HTTP/1.1\r\nContent-Type: application/json\r\n"
                                        + "Transfer-Encoding: chunked", RunningService.chunked(bodyOf(size), 8192));

        response.assertProblem(413);
        assertNothingStored();
    }

    @Test
    void chunkedBodyWithinTheLimitIsAccepted() {
        byte[] json = "{\"productId\":\"p1\",\"price\":3.50}".getBytes(StandardCharsets.UTF_8);

        Response response = service.raw("POST /api/reprice HTTP/1.1\r\nTransfer-Encoding: chunked",
                                        RunningService.chunked(json, 5));

        assertThat(response.toString(), response.status(), is(200));
        assertThat(response.text(), containsJson("\"newPrice\":3.50,"));
    }

    @ParameterizedTest(name = "{0} /api/reprice")
    @ValueSource(strings = {"GET", "PUT", "DELETE", "PATCH"})
    void wrongMethodIs405AllowingPost(String method) {
        Response response = service.method(method, "/api/reprice");

        response.assertProblem(405);
        assertThat(response.header("Allow").orElse(""), is("POST"));
    }

    // ---------------------------------------------------------------------------------------------------------

    /** A syntactically valid reprice body padded with whitespace to exactly {@code size} bytes. */
    private static byte[] bodyOf(int size) {
        String json = "{\"productId\":\"p1\",\"price\":1}";
        return (json + " ".repeat(size - json.length())).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Nothing reached storage: the history is empty, and once the service has stopped (which writes every
     * accepted record into {@code results/}) {@code results/} holds no file.
     */
    private void assertNothingStored() {
        Response history = service.get("/api/query");
        assertThat(history.toString(), history.status(), is(200));
        assertThat(history.text(), is("[]"));
        service.close();
        assertThat(service.resultsFiles(), is(empty()));
    }

    private static BigDecimal timestamp(Response response) {
        Matcher m = TIMESTAMP.matcher(response.text());
        assertThat("timestamp with 9 fraction digits at the end of " + response.text(), m.find(), is(true));
        return new BigDecimal(m.group(1));
    }

    private static org.hamcrest.Matcher<String> containsJson(String fragment) {
        return org.hamcrest.Matchers.containsString(fragment);
    }
}
