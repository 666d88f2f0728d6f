package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/** {@code GET /api/product/{productId}/price} over HTTP against the real service (SPEC §1). */
class ProductApiTest {

    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\":([0-9]+\\.[0-9]{9})}");

    @RegisterExtension
    final RunningService service = RunningService.perTest();

    @Test
    void answersTheLastPriceWithTheRecordsTimestamp() {
        service.reprice("p1", "3.50");
        Response stored = service.reprice("p1", "4.20");

        Response response = service.get("/api/product/p1/price");

        assertThat(response.toString(), response.status(), is(200));
        assertThat(response.contentType(), is("application/json"));
        JsonObject latest = response.json();
        assertThat(latest.keySet(), is(Set.of("productId", "price", "timestamp")));
        assertThat(latest.getString("productId"), is("p1"));
        assertThat(latest.getJsonNumber("price").bigDecimalValue(), is(new BigDecimal("4.20")));
        assertThat(response.text(), org.hamcrest.Matchers.containsString("\"price\":4.20,"));
        // The very same digits as the reprice answered, nine fraction digits included.
        assertThat(timestampText(response), is(timestampText(stored)));
    }

    @ParameterizedTest(name = "id ''{0}'' as {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            a/b          | a%2Fb
            a/b          | a%2fb
            a/b          | a/b
            a/price      | a/price
            price        | price
            a+b          | a+b
            a+b          | a%2Bb
            a b          | a%20b
            100%         | 100%25
            x?y#z        | x%3Fy%23z
            a/../b       | a%2F..%2Fb
            Käse €       | K%C3%A4se%20%E2%82%AC
            😀           | %F0%9F%98%80
            "a;b=c,d"    | a;b=c,d
            """)
    void pathIdIsPercentDecodedWithRawSlashAndLiteralPlus(String id, String encoded) {
        assertThat(service.reprice(id, "1.25").status(), is(200));

        Response response = service.get("/api/product/" + encoded + "/price");

        assertThat(response.toString(), response.status(), is(200));
        assertThat(response.json().getString("productId"), is(id));
        assertThat(response.json().getJsonNumber("price").bigDecimalValue(), is(new BigDecimal("1.25")));
    }

    @Test
    void plusIsNotASpace() {
        service.reprice("a b", "1");

        Response response = service.get("/api/product/a+b/price");

        response.assertProblem(404);
    }

    @Test
    void neverPricedProductIs404Problem() {
        service.reprice("p1", "1");

        service.get("/api/product/p2/price").assertProblem(404);
        service.get("/api/product/P1/price").assertProblem(404);
    }

    @Test
    void emptyIdIs404Problem() {
        service.get("/api/product//price").assertProblem(404);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/api/product/p1", "/api/product/p1/", "/api/product/p1/price/", "/api/product/p1/cost",
                            "/api/product/", "/api/product", "/api/products/p1/price"})
    void pathsThatAreNotAProductPriceAre404Problem(String path) {
        service.reprice("p1", "1");

        service.get(path).assertProblem(404);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"%zz", "%", "a%2", "a%g0"})
    void malformedPercentEscapeIs400Problem(String encoded) {
        // Sent raw: the JDK client refuses to send a malformed escape. Helidon refuses the request line itself
        // before any routing, so this 400 must come from the server's direct handlers.
        Response response = service.raw("GET /api/product/" + encoded + "/price HTTP/1.1", new byte[0]);

        response.assertProblem(400);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"%C3%28", "%C0%AF", "%ED%A0%80", "%FF", "a%00b", "a%1Fb", "a%7Fb", "a%C2%85b"})
    void escapeOfInvalidUtf8OrAControlCharacterIs400ProblemNamingProductId(String encoded) {
        Response response = service.raw("GET /api/product/" + encoded + "/price HTTP/1.1", new byte[0]);

        response.assertProblem(400);
        assertThat(response.toString(), response.invalidParamNames(), hasItem("productId"));
    }

    @Test
    void idOver512BytesIs400() {
        Response response = service.get("/api/product/" + "x".repeat(513) + "/price");

        response.assertProblem(400);
        assertThat(response.invalidParamNames(), hasItem("productId"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH"})
    void wrongMethodIs405AllowingGet(String method) {
        service.reprice("p1", "1");

        Response response = service.method(method, "/api/product/p1/price");

        response.assertProblem(405);
        assertThat(response.header("Allow").orElse(""), is("GET, HEAD"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/", "/api", "/api/", "/api/unknown", "/api/reprice/p1", "/api/query/1", "/index.html",
                            "/observe/health", "/debug/results"})
    void unknownPathIs404Problem(String path) {
        service.get(path).assertProblem(404);
    }

    private static String timestampText(Response response) {
        Matcher m = TIMESTAMP.matcher(response.text());
        assertThat("timestamp with 9 fraction digits in " + response.text(), m.find(), is(true));
        return m.group(1);
    }
}
