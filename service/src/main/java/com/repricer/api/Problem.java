package com.repricer.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.spi.JsonProvider;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An RFC 9457 problem details body ({@code application/problem+json}), used for every error the API returns.
 *
 * @param status        the HTTP status code
 * @param title         the HTTP reason phrase ({@code "Bad Request"})
 * @param detail        what went wrong with this request, or {@code null} to leave it out
 * @param invalidParams the fields or parameters at fault; written as {@code invalid-params} only if not empty
 */
public record Problem(int status, String title, String detail, List<InvalidParam> invalidParams) {

    public static final String MEDIA_TYPE = "application/problem+json";

    // Json.createObjectBuilder looks the provider up anew on every call; one factory serves all responses.
    private static final JsonBuilderFactory JSON = JsonProvider.provider().createBuilderFactory(Map.of());

    public Problem {
        Objects.requireNonNull(title, "title");
        invalidParams = invalidParams == null ? List.of() : List.copyOf(invalidParams);
    }

    public static Problem of(int status, String title, String detail) {
        return new Problem(status, title, detail, List.of());
    }

    /** A problem titled by {@code status}'s reason phrase. */
    public static Problem of(Status status, String detail) {
        return of(status.code(), status.reasonPhrase(), detail);
    }

    public static Problem badRequest(BadRequestException e) {
        return new Problem(400, "Bad Request", e.detail(), e.invalidParams());
    }

    /** Sends this problem as the response: its status, {@link #MEDIA_TYPE} and the body (none for HEAD). */
    public void send(ServerResponse response) {
        response.status(Status.create(status));
        response.header(HeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        Responses.send(response, toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** The body, e.g. {@code {"type":"about:blank","title":"Bad Request","status":400,"detail":"…"}}. */
    public String toJson() {
        // Built with JSON-P so that ids, field names and messages echoed from the request are escaped right.
        JsonObjectBuilder body = JSON.createObjectBuilder()
                .add("type", "about:blank")
                .add("title", title)
                .add("status", status);
        if (detail != null) {
            body.add("detail", detail);
        }
        if (!invalidParams.isEmpty()) {
            JsonArrayBuilder params = JSON.createArrayBuilder();
            for (InvalidParam param : invalidParams) {
                params.add(JSON.createObjectBuilder().add("name", param.name()).add("reason", param.reason()));
            }
            body.add("invalid-params", params);
        }
        return body.build().toString();
    }
}
