package com.repricer.api;

import com.repricer.metrics.Endpoint;
import com.repricer.metrics.RepricerMetrics;
import com.repricer.storage.IdempotencyKeyReusedException;
import com.repricer.storage.Ledger;
import com.repricer.storage.DamagedResultsException;
import com.repricer.storage.StorageUnavailableException;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import jakarta.json.JsonException;

import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The API port's route table, its error mapping (every error as problem+json) and request counting.
 *
 * @param productLimit concurrent product reads served at most
 * @param queryLimit   concurrent history queries served at most
 * @param bodyTimeout  time a reprice body may take to arrive in whole
 */
public record ApiRouting(Ledger ledger, RepricerMetrics metrics, int productLimit, int queryLimit,
                         Duration bodyTimeout) {

    /** SPEC §1: a request body over 64 KiB is refused with 413. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    private static final Logger LOG = Logger.getLogger(ApiRouting.class.getName());

    /** Problem bodies also for requests Helidon refuses before routing; set on the API listener. */
    public static DirectHandlers directHandlers() {
        return ProblemDirectHandler.forAllEvents();
    }

    public void register(HttpRouting.Builder routing) {
        routing.addFilter((chain, request, response) -> {
            long started = System.nanoTime();
            try {
                if (Method.HEAD.equals(request.prologue().method())) {
                    Responses.withoutBody(chain::proceed);
                } else {
                    chain.proceed();
                }
                if (response.headers().contains(HeaderValues.CONNECTION_CLOSE)) {
                    // Helidon goes on reading a connection after an answer with "Connection: close"; the rest of
                    // a body that was not read (stalled, malformed, too large) would be taken for a request.
                    // Thrown from a filter (not an error handler), this exception ends the connection quietly.
                    throw new CloseConnectionException("answered with Connection: close");
                }
            } finally {
                metrics.requestCompleted(Endpoint.of(request.path().absolute().path()), response.status().code(),
                                         System.nanoTime() - started);
            }
        });
        routing.register(Endpoint.REPRICE.path(), new RepriceService(ledger, bodyTimeout))
               .register(Endpoint.PRODUCT.path(), new ReadEndpoint("/*", limit(Endpoint.PRODUCT, productLimit),
                                                                  new ProductService(ledger)))
               .register(Endpoint.QUERY.path(), new ReadEndpoint("/", limit(Endpoint.QUERY, queryLimit),
                                                                new QueryService(ledger)))
               .any((request, response) -> Responses.problem(response, Status.NOT_FOUND_404,
                                                             "no resource at " + request.path().path()));
        routing.error(BadRequestException.class,
                      (request, response, e) -> Problem.badRequest(e).send(response))
               .error(JsonException.class, (request, response, e) ->
                       Responses.problem(response, Status.BAD_REQUEST_400, "the body is not valid JSON"))
               .error(RepriceService.PayloadTooLargeException.class, (request, response, e) -> {
                   if (e.bodyUnread()) {
                       // Refused before a byte of it was read: draining a body of any declared size to keep the
                       // connection would let one request make the server read hundreds of megabytes.
                       answerAndClose(response, Status.REQUEST_ENTITY_TOO_LARGE_413, e.getMessage());
                   } else {
                       Responses.problem(response, Status.REQUEST_ENTITY_TOO_LARGE_413, e.getMessage());
                   }
               })
               .error(IdempotencyKeyReusedException.class, (request, response, e) ->
                       Responses.problem(response, Status.UNPROCESSABLE_CONTENT_422, e.getMessage()))
               .error(RepriceService.MalformedBodyException.class, (request, response, e) ->
                       // Where this body ends is unknown: the next bytes cannot be read as a request.
                       answerAndClose(response, Status.BAD_REQUEST_400, e.getMessage()))
               .error(RepriceService.RequestTimeoutException.class, (request, response, e) -> {
                   // The rest of the body may never come: close rather than wait to skip it.
                   response.header(HeaderValues.CONNECTION_CLOSE);
                   Responses.problem(response, Status.REQUEST_TIMEOUT_408, e.getMessage());
               })
               .error(ProductPath.NotFound.class, (request, response, e) ->
                       Responses.problem(response, Status.NOT_FOUND_404, e.getMessage()))
               .error(StorageUnavailableException.class, (request, response, e) -> {
                   if (e.reason() == StorageUnavailableException.Reason.OVERLOADED) {
                       metrics.rejected(Endpoint.of(request.path().absolute().path()));
                   }
                   Responses.unavailable(response, e.getMessage());
               })
               .error(DamagedResultsException.class, (request, response, e) ->
                       // No retry helps until the operator restores the file: 500, not 503 + Retry-After.
                       Responses.problem(response, Status.INTERNAL_SERVER_ERROR_500, e.getMessage()))
               .error(Exception.class, (request, response, e) -> {
                   LOG.log(Level.SEVERE, "Request " + request.prologue() + " failed", e);
                   Responses.problem(response, Status.INTERNAL_SERVER_ERROR_500, "internal error");
               });
    }

    /** Answers with {@code Connection: close}: the connection ends after this answer (see {@link #register}). */
    private static void answerAndClose(ServerResponse response, Status status, String detail) {
        response.header(HeaderValues.CONNECTION_CLOSE);
        Responses.problem(response, status, detail);
    }

    private ConcurrencyLimit limit(Endpoint endpoint, int permits) {
        return new ConcurrencyLimit(permits, endpoint, metrics);
    }
}
