package com.repricer.api;

import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * A read-only resource: GET, served under the endpoint's concurrency limit; any other method is 405 with
 * {@code Allow}.
 *
 * @param pattern the path pattern under the endpoint's route ({@code "/"}, or {@code "/*"} for everything below)
 */
record ReadEndpoint(String pattern, ConcurrencyLimit limit, Handler read) implements HttpService {

    @Override
    public void routing(HttpRules rules) {
        rules.get(pattern, limit.guard(read))
             .any(pattern, (request, response) -> Responses.methodNotAllowed(response, "GET"));
    }
}
