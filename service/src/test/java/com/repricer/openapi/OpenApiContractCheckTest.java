package com.repricer.openapi;

import com.repricer.RunningService.Response;
import com.repricer.openapi.OpenApiContract.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

/**
 * {@link OpenApiContract} itself, on hand-made answers: what OpenApiContractTest relies on it to catch — an
 * undocumented status, header or field, a wrong type, a price or timestamp that is not the exact decimal the
 * document promises, a missing Retry-After — it does catch; the service's real answers pass.
 */
class OpenApiContractCheckTest {

    private static final OpenApiContract CONTRACT = OpenApiContract.load();
    private static final Request REPRICE = new Request("POST", "/api/reprice", Map.of(),
                                                       utf8("{\"productId\":\"p1\",\"price\":3.50}"));
    private static final Request PRICE = new Request("GET", "/api/product/p1/price", Map.of(), new byte[0]);
    private static final String STORED = "{\"productId\":\"p1\",\"previousPrice\":null,\"newPrice\":3.50,"
                                         + "\"timestamp\":1795805396.294650505}";
    private static final String UNAVAILABLE = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\","
                                              + "\"status\":503,\"detail\":\"storage fails\"}";

    @Test
    void theServicesAnswersPass() {
        assertThat(CONTRACT.responseViolations(REPRICE, json(200, STORED)), is(empty()));
        assertThat(CONTRACT.responseViolations(REPRICE, json(200, STORED.replace("null", "3.5"))), is(empty()));
        assertThat(CONTRACT.responseViolations(REPRICE, problem(503, UNAVAILABLE, Map.of("retry-after", "1"))),
                   is(empty()));
        assertThat(CONTRACT.requestViolations(REPRICE), is(empty()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"productId\":\"p1\",\"previousPrice\":null,\"newPrice\":3.50,\"timestamp\":1795805396.2946505051}",
            "{\"productId\":\"p1\",\"previousPrice\":null,\"newPrice\":3.5000000000000000001,"
            + "\"timestamp\":1795805396.294650505}",
            "{\"productId\":\"p1\",\"previousPrice\":null,\"newPrice\":\"3.50\",\"timestamp\":1795805396.294650505}",
            "{\"productId\":\"p1\",\"previousPrice\":null,\"newPrice\":0,\"timestamp\":1795805396.294650505}",
            "{\"productId\":\"p1\",\"newPrice\":3.50,\"timestamp\":1795805396.294650505}",
            "{\"productId\":\"p1\",\"previousPrice\":null,\"newPrice\":3.50,\"timestamp\":1795805396.294650505,"
            + "\"sequence\":7}",
            "{\"productId\":\"p1\",\"previousPrice\":null,\"newPrice\":3.50,\"timestamp\":\"2026-11-27T17:13:07Z\"}",
            "{\"productId\":\"p1\",\"previousPrice\":null,\"newPrice\":3.50,\"timestamp\":1795805396.294650505} x",
    })
    void aBodyOutsideTheSchemaIsCaught(String body) {
        assertThat(CONTRACT.responseViolations(REPRICE, json(200, body)), hasSize(1));
    }

    @Test
    void anUndocumentedStatusIsCaught() {
        assertThat(CONTRACT.responseViolations(PRICE, problem(422, UNAVAILABLE.replace("503", "422"), Map.of())),
                   contains(containsString("does not document status 422")));
    }

    @Test
    void aMissingRequiredHeaderIsCaught() {
        assertThat(CONTRACT.responseViolations(REPRICE, problem(503, UNAVAILABLE, Map.of())),
                   contains(containsString("retry-after is missing")));
    }

    @Test
    void anUndocumentedHeaderIsCaught() {
        Response linked = new Response(200, Map.of("content-type", List.of("application/json"),
                                                   "link", List.of("</api/query?pageNumber=2>; rel=\"next\"")),
                                       utf8(STORED));
        assertThat(CONTRACT.responseViolations(REPRICE, linked), contains(containsString("undocumented")));
    }

    @Test
    void anUndocumentedContentTypeIsCaught() {
        Response text = new Response(200, Map.of("content-type", List.of("text/plain")), utf8(STORED));
        assertThat(CONTRACT.responseViolations(REPRICE, text), contains(containsString("text/plain")));
    }

    @Test
    void aProblemWithoutDetailOrWithAWrongTypeIsCaught() {
        assertThat(CONTRACT.responseViolations(PRICE, problem(404, "{\"type\":\"about:blank\",\"title\":\"Not Found\","
                                                                   + "\"status\":404}", Map.of())), hasSize(1));
        assertThat(CONTRACT.responseViolations(PRICE, problem(404, "{\"type\":\"about:blank\",\"title\":\"Not Found\","
                                                                   + "\"status\":\"404\",\"detail\":\"x\"}", Map.of())),
                   hasSize(1));
    }

    @Test
    void requestsOutsideTheDocumentAreCaught() {
        assertThat(CONTRACT.requestViolations(new Request("GET", "/api/query?pagesize=1001", Map.of(), new byte[0])),
                   hasItem(containsString("pagesize")));
        assertThat(CONTRACT.requestViolations(new Request("GET", "/api/query?size=1", Map.of(), new byte[0])),
                   hasItem(containsString("not documented")));
        assertThat(CONTRACT.requestViolations(new Request("DELETE", "/api/reprice", Map.of(), new byte[0])),
                   hasItem(containsString("no documented operation")));
        assertThat(CONTRACT.requestViolations(new Request("POST", "/api/reprice", Map.of(),
                                                          utf8("{\"productId\":\"p1\",\"price\":1e-19}"))),
                   hasSize(1));
    }

    private static Response json(int status, String body) {
        return new Response(status, Map.of("content-type", List.of("application/json")), utf8(body));
    }

    private static Response problem(int status, String body, Map<String, String> headers) {
        Map<String, List<String>> all = new java.util.TreeMap<>();
        all.put("content-type", List.of("application/problem+json"));
        headers.forEach((name, value) -> all.put(name, List.of(value)));
        return new Response(status, all, utf8(body));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
