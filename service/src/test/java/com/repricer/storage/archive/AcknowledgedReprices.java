package com.repricer.storage.archive;

import jakarta.json.Json;
import jakarta.json.JsonReader;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load driver that remembers what the service promised: {@code connections} clients post reprices as fast as
 * they are answered, for a fixed time, and every {@code 200} is kept as the record its body names (product,
 * previous price, new price, timestamp), so that the history can be checked against it afterwards. Refusals
 * ({@code 503}) and requests without an answer (timeouts, resets) are only counted: a refused reprice is not
 * stored, an unanswered one may or may not be.
 */
final class AcknowledgedReprices {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final ConcurrentLinkedQueue<HistoryRecord> acknowledged = new ConcurrentLinkedQueue<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong otherStatus = new AtomicLong();
    private final AtomicLong unanswered = new AtomicLong();

    /** The result of a run: every acknowledged record, and the counts of everything else. */
    record Outcome(List<HistoryRecord> acknowledged, long refused, long otherStatus, long unanswered) {
    }

    /**
     * Runs the load until {@code duration} has passed and every client has its last answer.
     *
     * @param products reprices cycle over this many products ({@code p0} … {@code p<products-1>})
     */
    static Outcome run(URI api, int connections, int products, Duration duration) throws InterruptedException {
        AcknowledgedReprices load = new AcknowledgedReprices();
        long deadline = System.nanoTime() + duration.toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int client = 0; client < connections; client++) {
            int number = client;
            clients.add(Thread.ofVirtual().name("reprice-client-" + client)
                              .start(() -> load.client(api, number, products, deadline)));
        }
        for (Thread client : clients) {
            client.join();
        }
        return new Outcome(List.copyOf(load.acknowledged), load.refused.get(), load.otherStatus.get(),
                           load.unanswered.get());
    }

    /**
     * One client on one kept-alive connection (reopened after a failure), as wrk drives the service: plain
     * HTTP/1.1 over a socket, because the JDK's HttpClient costs this two-core machine more CPU per request than
     * the service itself and would measure the client.
     */
    private void client(URI api, int number, int products, long deadline) {
        long counter = number * 7_919L;
        Socket socket = null;
        InputStream in = null;
        while (System.nanoTime() - deadline < 0) {
            counter++;
            String body = "{\"productId\":\"p" + counter % products + "\",\"price\":" + (counter % 997 + 1) + "."
                          + String.format("%02d", counter % 100) + "}";
            byte[] request = ("POST /api/reprice HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII);
            HttpAnswer answer;
            try {
                if (socket == null) {
                    socket = new Socket(api.getHost(), api.getPort());
                    socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
                    socket.setTcpNoDelay(true);
                    in = new BufferedInputStream(socket.getInputStream());
                }
                socket.getOutputStream().write(request);
                answer = HttpAnswer.read(in);
            } catch (IOException e) {
                unanswered.incrementAndGet();
                socket = closeQuietly(socket);
                continue;
            }
            switch (answer.status()) {
                case 200 -> {
                    try (JsonReader reader = Json.createReader(new StringReader(answer.body()))) {
                        acknowledged.add(HistoryRecord.of(reader.readObject(), "newPrice"));
                    }
                }
                case 503 -> refused.incrementAndGet();
                default -> otherStatus.incrementAndGet();
            }
            if (answer.closes()) {
                socket = closeQuietly(socket);
            }
        }
        closeQuietly(socket);
    }

    private static Socket closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a broken connection: nothing to do
            }
        }
        return null;
    }

    /** An HTTP/1.1 response with a {@code Content-Length} body, read off a kept-alive connection. */
    private record HttpAnswer(int status, String body, boolean closes) {

        static HttpAnswer read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine.length() < 12) {
                throw new EOFException("no status line: '" + statusLine + "'");
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            int length = 0;
            boolean closes = false;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring(15).trim());
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    closes = true;
                }
            }
            return new HttpAnswer(status, new String(in.readNBytes(length), StandardCharsets.UTF_8), closes);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new EOFException("connection closed");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }
}
