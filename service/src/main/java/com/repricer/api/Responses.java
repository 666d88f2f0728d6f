package com.repricer.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;

/** Sends API bodies: JSON documents and RFC 9457 problems. */
final class Responses {

    static final String JSON = "application/json";
    /** Seconds a client should wait before retrying a 503. */
    static final String RETRY_AFTER_SECONDS = "1";

    private Responses() {
    }

    static void json(ServerResponse response, String body) {
        response.status(Status.OK_200);
        response.header(HeaderNames.CONTENT_TYPE, JSON);
        response.send(body.getBytes(StandardCharsets.UTF_8));
    }

    static void problem(ServerResponse response, Status status, String detail) {
        Problem.of(status, detail).send(response);
    }

    /** 503 with Retry-After: the request was refused whole, nothing of it was kept. */
    static void unavailable(ServerResponse response, String detail) {
        response.header(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        problem(response, Status.SERVICE_UNAVAILABLE_503, detail);
    }

    /** 405 with the methods the path does allow. */
    static void methodNotAllowed(ServerResponse response, String allowed) {
        response.header(HeaderNames.ALLOW, allowed);
        problem(response, Status.METHOD_NOT_ALLOWED_405, "this resource allows " + allowed);
    }
}
