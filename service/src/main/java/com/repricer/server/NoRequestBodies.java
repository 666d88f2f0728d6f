package com.repricer.server;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The filter of the sockets whose routes read no request body (admin and export): a request that carries one
 * (chunked, or a {@code Content-Length} above zero) gets its route's answer with {@code Connection: close}, and
 * the connection ends there; the body is never read. Requests without a body (probes, Prometheus, the debug-pod
 * export) are untouched.
 *
 * <p>Why: after answering, Helidon skips an unread body to reach the next request. On these sockets it does so
 * with its own chunked decoder (they have no {@link ChunkedBodyReader}), which fails on chunk extensions, trailer
 * fields and malformed framing, and then sent a second answer on a connection it had already answered; and it
 * would read a body of any declared size to skip it (issue 14, items 9 and 10).
 */
public final class NoRequestBodies {

    private NoRequestBodies() {
    }

    public static void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        if (!carriesBody(request.headers())) {
            chain.proceed();
            return;
        }
        response.header(HeaderValues.CONNECTION_CLOSE);
        chain.proceed();
        // Helidon goes on reading a connection after an answer with "Connection: close" (it would take the body
        // for the next request). Thrown from a filter, this exception ends the connection quietly.
        throw new CloseConnectionException("a request body on a socket that reads none: answered, connection closed");
    }

    private static boolean carriesBody(Headers headers) {
        return headers.contains(HeaderNames.TRANSFER_ENCODING) || headers.contentLength().orElse(0) > 0;
    }
}
