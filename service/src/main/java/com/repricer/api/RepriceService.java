package com.repricer.api;

import com.repricer.storage.Ledger;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.DirectHandler;
import io.helidon.http.RequestException;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * {@code POST /api/reprice}: records a price and answers once it is durable.
 *
 * <p>The whole body is read and validated before the ledger is called, so a client that trickles its body in (or
 * stalls half-way) holds only its own connection, never a slot of the write pipeline. Reading it is bounded twice:
 * each read by the listener's read timeout (a stall fails at once, see ReadTimeoutSocketOptions) and the whole body
 * by {@code bodyTimeout} (a trickle that never quite stalls fails too); either answers 408 and closes.
 */
final class RepriceService implements HttpService {

    private static final int READ_CHUNK_BYTES = 4096;
    /**
     * A declared body over the limit but at most this long is read and dropped before the 413: a client still
     * sending it would otherwise see its connection reset (closing a socket with unread bytes sends RST) instead
     * of the answer. A longer one is answered and the connection closed unread (one request must not make the
     * server read hundreds of megabytes).
     */
    static final int DRAINED_BODY_BYTES = 1024 * 1024;

    private final Ledger ledger;
    private final Duration bodyTimeout;

    RepriceService(Ledger ledger, Duration bodyTimeout) {
        this.ledger = ledger;
        this.bodyTimeout = bodyTimeout;
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
    private byte[] body(ServerRequest request) throws IOException {
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > ApiRouting.MAX_BODY_BYTES) {
            boolean drain = declared <= DRAINED_BODY_BYTES;
            if (drain) {
                request.content().inputStream().close();  // takes in the rest; the connection stays usable
            }
            throw new PayloadTooLargeException(declared, drain);
        }
        if (!request.content().hasEntity()) {
            return new byte[0];
        }
        long deadline = System.nanoTime() + bodyTimeout.toNanos();
        // With a declared length no more than that is buffered (no 64 KiB per request).
        ByteArrayOutputStream body = new ByteArrayOutputStream(declared >= 0 ? (int) declared : READ_CHUNK_BYTES);
        byte[] chunk = new byte[READ_CHUNK_BYTES];
        // Closed by hand, not by try-with-resources: closing reads the rest of the body, which must not happen
        // after a timeout (it would wait for a body that is late or not coming at all).
        InputStream in = request.content().inputStream();
        try {
            for (int read = in.read(chunk); read != -1; read = in.read(chunk)) {
                body.write(chunk, 0, read);
                if (body.size() > ApiRouting.MAX_BODY_BYTES) {
                    in.close();  // takes in the rest, so that a client still sending it reads the 413
                    throw new PayloadTooLargeException(-1, true);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new RequestTimeoutException("the body did not arrive within " + bodyTimeout);
                }
            }
        } catch (CloseConnectionException e) {
            // Helidon wraps a failed socket read in this; a read timeout means the client stopped sending.
            if (causedBy(e, SocketTimeoutException.class)) {
                throw new RequestTimeoutException("the client stopped sending the body");
            }
            throw e;
        } catch (DataReader.InsufficientDataAvailableException e) {
            // The client closed the connection before the declared length or the last chunk: nobody will read
            // the answer, but it is a client error, not an internal one.
            throw new BadRequestException("the connection closed before the whole body arrived");
        } catch (RequestException | NumberFormatException e) {
            if (e instanceof RequestException refused
                && refused.eventType() == DirectHandler.EventType.PAYLOAD_TOO_LARGE) {
                // A chunk's size line alone is over the limit (ChunkedBodyReader): its data is never read.
                throw new PayloadTooLargeException(-1, false);
            }
            // The chunked framing is malformed (a bad chunk-size line or trailer line, data not followed by CRLF;
            // see com.repricer.server.ChunkedBodyReader): the rest of the body cannot be framed.
            throw new MalformedBodyException();
        }
        in.close();
        return body.toByteArray();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /** The body is over {@link ApiRouting#MAX_BODY_BYTES}: 413. */
    static final class PayloadTooLargeException extends RuntimeException {
        private final boolean bodyUnread;

        /**
         * @param declared the Content-Length that is over the limit, or -1 if the body was read past it
         * @param bodyRead whether the body was read to its end (the connection can go on)
         */
        PayloadTooLargeException(long declared, boolean bodyRead) {
            super("the body is larger than " + ApiRouting.MAX_BODY_BYTES + " bytes"
                  + (declared > 0 ? " (Content-Length " + declared + ")" : ""));
            this.bodyUnread = !bodyRead;
        }

        /** Whether the body was left unread (refused from its declared size alone): the connection must close. */
        boolean bodyUnread() {
            return bodyUnread;
        }
    }

    /** The body's chunked framing cannot be decoded: 400, and the connection is closed. */
    static final class MalformedBodyException extends RuntimeException {
        MalformedBodyException() {
            // No stack trace: an expected answer to a client's bytes.
            super("the chunked body cannot be decoded (each chunk is a hexadecimal size with optional extensions,"
                  + " CRLF, the data and CRLF; the last chunk may be followed by trailer fields)", null, false, false);
        }
    }

    /** The body did not arrive in time: 408, and the connection is closed. */
    static final class RequestTimeoutException extends RuntimeException {
        RequestTimeoutException(String message) {
            // No stack trace: an expected answer to a slow client.
            super(message, null, false, false);
        }
    }
}
