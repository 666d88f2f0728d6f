package com.repricer.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;

/**
 * Sends API bodies: JSON documents and RFC 9457 problems.
 *
 * <p>Every answer of the API port goes through {@link #send}, so HEAD is handled in one place: while a HEAD request
 * is routed ({@link #withoutBody}) an answer carries its status, its headers and the {@code Content-Length} the body
 * would have, and no body. Helidon writes whatever a handler sends, also for HEAD, and a body there would be read by
 * a kept-alive client as the start of the next response.
 */
final class Responses {

    static final String JSON = "application/json";
    /** Seconds a client should wait before retrying a 503. */
    static final String RETRY_AFTER_SECONDS = "1";

    /** Bound while a HEAD request is routed: answers are sent without their body. */
    private static final ScopedValue<Boolean> HEAD = ScopedValue.newInstance();

    private Responses() {
    }

    /** Runs {@code routing} (the rest of a HEAD request's filter chain) so that its answer is sent without body. */
    static void withoutBody(Runnable routing) {
        ScopedValue.where(HEAD, true).run(routing);
    }

    static void json(ServerResponse response, String body) {
        response.status(Status.OK_200);
        response.header(HeaderNames.CONTENT_TYPE, JSON);
        send(response, body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code body}, or for a HEAD request its length alone. */
    static void send(ServerResponse response, byte[] body) {
        if (HEAD.isBound()) {
            response.headers().contentLength(body.length);
            response.send();
        } else {
            response.send(body);
        }
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
