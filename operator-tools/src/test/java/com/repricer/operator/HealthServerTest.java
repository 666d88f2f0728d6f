package com.repricer.operator;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class HealthServerTest {

    @Test
    void answersLivenessAndReadinessFromTheSuppliers() throws Exception {
        AtomicBoolean ready = new AtomicBoolean(false);
        try (HealthServer server = HealthServer.start(0, () -> true, ready::get);
             HttpClient http = HttpClient.newHttpClient()) {
            assertThat(get(http, server, HealthServer.LIVE_PATH), is("200 live\n"));
            assertThat(get(http, server, HealthServer.READY_PATH), is("503 not ready\n"));
            ready.set(true);
            assertThat(get(http, server, HealthServer.READY_PATH), is("200 ready\n"));
        }
    }

    @Test
    void onlyGetAndHead() throws Exception {
        try (HealthServer server = HealthServer.start(0, () -> true, () -> true);
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<Void> response = http.send(
                    request(server, HealthServer.LIVE_PATH).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(response.statusCode(), is(405));
            assertThat(response.headers().firstValue("Allow").orElseThrow(), is("GET, HEAD"));
        }
    }

    private static String get(HttpClient http, HealthServer server, String path) throws Exception {
        HttpResponse<String> response = http.send(request(server, path).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    private static HttpRequest.Builder request(HealthServer server, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                          .timeout(Duration.ofSeconds(10));
    }
}
