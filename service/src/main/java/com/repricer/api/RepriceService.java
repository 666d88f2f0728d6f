package com.repricer.api;

import com.repricer.storage.Ledger;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;

/** {@code POST /api/reprice}: records a price and answers once it is durable. */
final class RepriceService implements HttpService {

    /** SPEC §1: a body over 64 KiB is refused with 413. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private final Ledger ledger;

    RepriceService(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::reprice)
             .any("/", (request, response) -> Responses.methodNotAllowed(response, "POST"));
    }

    private void reprice(ServerRequest request, ServerResponse response) throws Exception {
        String idempotencyKey = IdempotencyKeyHeader.of(request.headers());
        RepriceRequest reprice = RepriceRequest.parse(body(request));
        Ledger.Reprice stored = ledger.reprice(reprice.productId(), reprice.price(), idempotencyKey);
        if (stored.replayed()) {
            response.header(IdempotencyKeyHeader.REPLAYED, "true");
        }
        Responses.json(response, RecordJson.stored(stored.record()));
    }

    /** The whole body, refusing one over the limit before reading it where the length is declared. */
    private static byte[] body(ServerRequest request) throws IOException {
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > MAX_BODY_BYTES) {
            throw new PayloadTooLargeException(declared);
        }
        if (!request.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = request.content().inputStream()) {
            // With a declared length read exactly that (no 64 KiB buffer per request); else up to the limit + 1.
            byte[] body = in.readNBytes(declared >= 0 ? (int) declared + 1 : MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new PayloadTooLargeException(-1);
            }
            return body;
        }
    }

    /** The body is over {@link #MAX_BODY_BYTES}: 413. */
    static final class PayloadTooLargeException extends RuntimeException {
        PayloadTooLargeException(long declared) {
            super("the body is larger than " + MAX_BODY_BYTES + " bytes"
                  + (declared > 0 ? " (Content-Length " + declared + ")" : ""));
        }
    }
}
