package com.repricer.debugpod;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * {@code start --seed N}: posts N sample reprices to a repricer's API, one after another, so a fresh debug pod has
 * results to look at. {@value #PRODUCTS} products ({@code sample-1} …) take turns; prices run between 1.00 and
 * 9.99 with two decimals, so every record's {@code previousPrice} differs from its {@code newPrice}. A 503 (the
 * write pipeline is full) is retried after its {@code Retry-After}, at most {@value #ATTEMPTS} times.
 */
public final class SampleReprices {

    static final int PRODUCTS = 10;
    static final int ATTEMPTS = 5;
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;

    public SampleReprices(HttpClient http) {
        this.http = http;
    }

    /** Posts {@code count} reprices to {@code apiBase}; returns how many were stored. */
    public int post(URI apiBase, int count) throws IOException, InterruptedException {
        URI reprice = URI.create(apiBase.toString().replaceAll("/+$", "") + "/api/reprice");
        for (int i = 0; i < count; i++) {
            HttpRequest request = HttpRequest.newBuilder(reprice)
                                             .timeout(REQUEST_TIMEOUT)
                                             .header("Content-Type", "application/json")
                                             .POST(HttpRequest.BodyPublishers.ofString(body(i)))
                                             .build();
            send(request, i);
        }
        return count;
    }

    private void send(HttpRequest request, int index) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return;
            }
            if (response.statusCode() != 503 || attempt == ATTEMPTS) {
                throw new IOException("sample reprice " + (index + 1) + " got " + response.statusCode() + ": "
                                      + response.body());
            }
            Duration wait = response.headers().firstValue("Retry-After")
                                    .map(SampleReprices::seconds)
                                    .filter(d -> d.compareTo(MAX_RETRY_AFTER) <= 0)
                                    .orElse(MAX_RETRY_AFTER);
            Thread.sleep(wait.toMillis()); // back-off the service asked for, not test synchronisation
        }
    }

    /** The i-th sample (from 0): {@code {"productId":"sample-3","price":4.27}}. */
    static String body(int i) {
        return "{\"productId\":\"sample-" + (i % PRODUCTS + 1) + "\",\"price\":" + price(i).toPlainString() + "}";
    }

    /** 1.00 … 9.99; consecutive prices of one product always differ (37·PRODUCTS is not a multiple of 900). */
    static BigDecimal price(int i) {
        return BigDecimal.valueOf(100 + (i * 37L) % 900, 2);
    }

    private static Duration seconds(String retryAfter) {
        try {
            return Duration.ofSeconds(Long.parseLong(retryAfter.trim()));
        } catch (NumberFormatException e) {
            return MAX_RETRY_AFTER;
        }
    }
}
