package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** The optional {@code Idempotency-Key} header of {@code POST /api/reprice}, over HTTP against the real service. */
class IdempotencyApiTest {

    private static final String BODY = "{\"productId\":\"p1\",\"price\":3.50}";

    @RegisterExtension
    final RunningService service = RunningService.perTest();

    private Response post(String key, String body) {
        return RunningService.send(HttpRequest.newBuilder(service.api().resolve("/api/reprice"))
                                              .header("Idempotency-Key", key)
                                              .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private int storedRecords() {
        return service.get("/api/query?pagesize=1000").jsonArray().size();
    }

    @Test
    void aRetryIsAnsweredWithTheOriginalRecordAndWritesNothing() {
        Response first = post("crawler-7:req-1", BODY);
        Response retry = post("crawler-7:req-1", BODY);

        assertThat(first.toString(), first.status(), is(200));
        assertThat(first.header("Idempotent-Replayed"), is(Optional.empty()));
        assertThat(retry.toString(), retry.status(), is(200));
        assertThat(retry.header("Idempotent-Replayed"), is(Optional.of("true")));
        assertThat(retry.text(), is(first.text()));
        assertThat(storedRecords(), is(1));
    }

    @Test
    void whitespaceAndFieldOrderDoNotMakeADifferentRequest() {
        post("k", BODY);
        Response retry = post("k", "{ \"price\": 3.50,\n \"productId\": \"p1\" }");

        assertThat(retry.toString(), retry.status(), is(200));
        assertThat(retry.header("Idempotent-Replayed"), is(Optional.of("true")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"productId\":\"p1\",\"price\":4.00}", "{\"productId\":\"p2\",\"price\":3.50}",
                            "{\"productId\":\"p1\",\"price\":3.5}"})
    void theSameKeyWithAnotherBodyIs422AndWritesNothing(String otherBody) {
        post("k", BODY);
        Response reused = post("k", otherBody);

        JsonObject problem = reused.assertProblem(422);
        assertThat(problem.getString("detail"), containsString("Idempotency-Key k"));
        assertThat(storedRecords(), is(1));
        assertThat(service.get("/api/product/p1/price").json().getJsonNumber("price").toString(),
                   is("3.50"));
    }

    @Test
    void anInvalidBodyWithAKeyIs400AndLeavesTheKeyFree() {
        post("k", "{\"productId\":\"p1\",\"price\":-1}").assertProblem(400);
        Response valid = post("k", BODY);

        assertThat(valid.toString(), valid.status(), is(200));
        assertThat(valid.header("Idempotent-Replayed"), is(Optional.empty()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "two words", "\u00e9t\u00e9", "tab\there"})
    void aMalformedKeyIs400NamingTheHeaderAndWritesNothing(String key) {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        Response response = service.raw("POST /api/reprice HTTP/1.1\r\nContent-Length: " + body.length
                                        + "\r\nIdempotency-Key: " + key, body);

        JsonObject problem = response.assertProblem(400);
        assertThat(problem.toString(), problem.getJsonArray("invalid-params").getJsonObject(0).getString("name"),
                   is("Idempotency-Key"));
        assertThat(service.get("/api/product/p1/price").status(), is(404));
    }

    @Test
    void aKeyOver255CharactersOrSentTwiceIs400() {
        post("x".repeat(256), BODY).assertProblem(400);
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        service.raw("POST /api/reprice HTTP/1.1\r\nContent-Length: " + body.length
                    + "\r\nIdempotency-Key: a\r\nIdempotency-Key: a", body).assertProblem(400);

        assertThat(service.get("/api/product/p1/price").status(), is(404));
        assertThat(post("x".repeat(255), BODY).status(), is(200));
    }

    @Test
    void aRetryAfterARestartIsStillRecognised() throws IOException {
        Response first = post("before-restart", BODY);
        service.restart();

        Response retry = post("before-restart", BODY);

        assertThat(retry.toString(), retry.status(), is(200));
        assertThat(retry.header("Idempotent-Replayed"), is(Optional.of("true")));
        assertThat(retry.text(), is(first.text()));
        assertThat(storedRecords(), is(1));
    }
}
