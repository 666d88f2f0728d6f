package com.repricer.api;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * A read-only resource: GET and HEAD (the same answer without its body, see {@link Responses}), served under the
 * endpoint's concurrency limit; any other method is 405 with {@code Allow}.
 *
 * @param pattern the path pattern under the endpoint's route ({@code "/"}, or {@code "/*"} for everything below)
 */
record ReadEndpoint(String pattern, ConcurrencyLimit limit, Handler read) implements HttpService {

    @Override
    public void routing(HttpRules rules) {
        Handler guarded = limit.guard(read);
        rules.get(pattern, guarded)
             .route(Method.HEAD, pattern, guarded)
             .any(pattern, (request, response) -> Responses.methodNotAllowed(response, "GET, HEAD"));
    }
}
