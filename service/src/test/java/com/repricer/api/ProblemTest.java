package com.repricer.api;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

class ProblemTest {

    @Test
    void writesTheRfc9457Members() {
        JsonObject body = parse(Problem.of(404, "Not Found", "no price for product p1").toJson());

        assertThat(body.getString("type"), is("about:blank"));
        assertThat(body.getString("title"), is("Not Found"));
        assertThat(body.getInt("status"), is(404));
        assertThat(body.getString("detail"), is("no price for product p1"));
        assertThat(body.containsKey("invalid-params"), is(false));
        assertThat(body.keySet(), contains("type", "title", "status", "detail"));
    }

    @Test
    void writesInvalidParamsOfABadRequest() {
        BadRequestException e = BadRequestException.of(List.of(
                new InvalidParam("productId", "must not be empty"),
                new InvalidParam("price", "must be greater than 0")));

        JsonObject body = parse(Problem.badRequest(e).toJson());

        assertThat(body.getInt("status"), is(400));
        assertThat(body.getString("title"), is("Bad Request"));
        assertThat(body.getString("detail"), is("productId: must not be empty; price: must be greater than 0"));
        var params = body.getJsonArray("invalid-params").getValuesAs(JsonObject.class);
        assertThat(params.stream().map(p -> p.getString("name")).toList(), contains("productId", "price"));
        assertThat(params.stream().map(p -> p.getString("reason")).toList(),
                   contains("must not be empty", "must be greater than 0"));
    }

    @Test
    void leavesOutAnEmptyInvalidParamsList() {
        JsonObject body = parse(Problem.badRequest(new BadRequestException("request body is empty")).toJson());

        assertThat(body.containsKey("invalid-params"), is(false));
        assertThat(body.getString("detail"), is("request body is empty"));
    }

    @Test
    void leavesOutAMissingDetail() {
        JsonObject body = parse(Problem.of(503, "Service Unavailable", null).toJson());

        assertThat(body.keySet(), contains("type", "title", "status"));
    }

    @Test
    void escapesWhatTheClientSent() {
        String name = "\"}\u0000\\\n\u2028\uD83D\uDE00</script>";
        Problem problem = new Problem(400, "Bad Request", "unknown " + name,
                                      List.of(new InvalidParam(name, "unknown field")));

        JsonObject body = parse(problem.toJson());

        assertThat(body.getString("detail"), is("unknown " + name));
        assertThat(body.getJsonArray("invalid-params").getJsonObject(0).get("name"),
                   is((JsonString) Json.createValue(name)));
    }

    private static JsonObject parse(String json) {
        try (var reader = Json.createReader(new StringReader(json))) {
            return reader.readObject();
        }
    }
}
