package com.repricer.api;

import com.repricer.metrics.Endpoint;
import com.repricer.metrics.RepricerMetrics;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.concurrent.Semaphore;

/**
 * At most {@code permits} requests of one endpoint at once. The next one is refused at once with 503 and
 * Retry-After rather than queued: a queued reader only adds latency for everybody behind it.
 */
final class ConcurrencyLimit {

    private final int limit;
    private final Semaphore permits;
    private final Endpoint endpoint;
    private final RepricerMetrics metrics;

    ConcurrencyLimit(int permits, Endpoint endpoint, RepricerMetrics metrics) {
        this.limit = permits;
        this.permits = new Semaphore(permits);
        this.endpoint = endpoint;
        this.metrics = metrics;
    }

    /** {@code handler}, run only if a permit is free. */
    Handler guard(Handler handler) {
        return (ServerRequest request, ServerResponse response) -> {
            if (!permits.tryAcquire()) {
                metrics.rejected(endpoint);
                Responses.unavailable(response, limit + " " + endpoint.label()
                                                + " requests are already being served; retry later");
                return;
            }
            try {
                handler.handle(request, response);
            } finally {
                permits.release();
            }
        };
    }
}
