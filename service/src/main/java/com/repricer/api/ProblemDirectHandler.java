package com.repricer.api;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

/**
 * Requests Helidon refuses before routing (a path with invalid percent-encoding, a malformed header) get the same
 * problem+json body as every other API error. The detail is generic: Helidon's messages may echo raw input.
 */
final class ProblemDirectHandler implements DirectHandler {

    /** This handler for every kind of event. */
    static DirectHandlers forAllEvents() {
        DirectHandlers.Builder handlers = DirectHandlers.builder();
        ProblemDirectHandler handler = new ProblemDirectHandler();
        for (EventType type : EventType.values()) {
            handlers.addHandler(type, handler);
        }
        return handlers.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders headers, String message) {
        Problem problem = Problem.of(status.code(), status.reasonPhrase(),
                                     "the request was refused before routing: " + eventType.name()
                                                                                           .toLowerCase()
                                                                                           .replace('_', ' '));
        return TransportResponse.builder()
                                .status(status)
                                .headers(headers)
                                .header(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE)
                                .entity(problem.toJson())
                                .build();
    }
}
