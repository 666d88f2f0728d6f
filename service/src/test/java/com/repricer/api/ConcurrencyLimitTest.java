package com.repricer.api;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import com.repricer.metrics.Endpoint;
import com.repricer.metrics.RepricerMetrics;
import io.helidon.metrics.api.Counter;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * SPEC §1 "Concurrency limits": beyond the limit a request is refused at once with 503 and Retry-After, never
 * queued. A real web server, a real {@link ConcurrencyLimit} and a handler held on a latch.
 */
class ConcurrencyLimitTest {

    private static final int LIMIT = 50;
    private static final long WAIT_SECONDS = 10;

    private final CountDownLatch inside = new CountDownLatch(LIMIT);
    private final CountDownLatch release = new CountDownLatch(1);
    private RepricerMetrics metrics;
    private WebServer server;
    private URI limited;

    @BeforeEach
    void startServer() {
        metrics = new RepricerMetrics(RepricerMetrics.newRegistry());
        ConcurrencyLimit limit = new ConcurrencyLimit(LIMIT, Endpoint.PRODUCT, metrics);
        server = WebServer.builder()
                          .port(0)
                          .shutdownHook(false)
                          .featuresDiscoverServices(false)
                          .routing(routing -> routing.get("/limited", limit.guard((request, response) -> {
                              inside.countDown();
                              // Held until the test lets go; the bound only keeps a broken test from hanging.
                              boolean released = release.await(WAIT_SECONDS, TimeUnit.SECONDS);
                              response.send(released ? "served" : "not released");
                          })))
                          .build()
                          .start();
        limited = URI.create("http://localhost:" + server.port() + "/limited");
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop();
    }

    @Test
    void requestBeyondTheLimitIsRefusedAtOnceWhileTheOthersAreServed() throws Exception {
        long rejectionsBefore = rejections().count();
        List<CompletableFuture<Response>> held = new ArrayList<>();
        for (int i = 0; i < LIMIT; i++) {
            held.add(RunningService.sendAsync(HttpRequest.newBuilder(limited)));
        }
        assertThat("all " + LIMIT + " requests inside the handler", inside.await(WAIT_SECONDS, TimeUnit.SECONDS),
                   is(true));

        // The 51st completes while the 50 are still held: it was not queued behind them.
        Response refused = RunningService.sendAsync(HttpRequest.newBuilder(limited))
                                         .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(held.stream().noneMatch(CompletableFuture::isDone), is(true));

        refused.assertProblem(503);
        assertThat(refused.header("Retry-After").orElse(""), is("1"));
        assertThat(rejections().count(), is(rejectionsBefore + 1));

        release.countDown();
        for (CompletableFuture<Response> request : held) {
            Response served = request.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(served.toString(), served.status(), is(200));
            assertThat(served.text(), is("served"));
        }
        Response after = RunningService.send(HttpRequest.newBuilder(limited));
        assertThat(after.toString(), after.status(), is(200));
        assertThat(rejections().count(), is(rejectionsBefore + 1));
    }

    @Test
    void permitsComeBackAfterEachRequest() {
        release.countDown();

        for (int i = 0; i < 3 * LIMIT; i++) {
            Response response = RunningService.send(HttpRequest.newBuilder(limited));
            assertThat(response.toString(), response.status(), is(200));
        }
        assertThat(rejections().count(), is(0L));
    }

    // ---------------------------------------------------------------------------------------------------------
    // The real service's configured limits

    @Test
    void serviceWithALimitOfOneServesSequentialRequests(@TempDir Path dataDir) throws IOException {
        try (RunningService service = RunningService.start(dataDir, Map.of("repricer.limits.product", "1",
                                                                           "repricer.limits.query", "1"))) {
            service.reprice("p1", "1");

            for (int i = 0; i < 20; i++) {
                assertThat(service.get("/api/product/p1/price").status(), is(200));
                assertThat(service.get("/api/query").status(), is(200));
            }
        }
    }

    @Test
    void serviceAppliesTheConfiguredLimitPerEndpoint(@TempDir Path dataDir) throws IOException {
        // A limit of 0 refuses everything: the simplest proof that the configured value reaches the limiter.
        try (RunningService service = RunningService.start(dataDir, Map.of("repricer.limits.product", "0"))) {
            service.reprice("p1", "1");

            Response refused = service.get("/api/product/p1/price");
            refused.assertProblem(503);
            assertThat(refused.header("Retry-After").isPresent(), is(true));
            assertThat(service.get("/api/query").status(), is(200));
        }
    }

    private Counter rejections() {
        return metrics.registry().meters().stream()
                      .filter(meter -> meter instanceof Counter
                                       && meter.id().name().equals("repricer_rejections")
                                       && "product".equals(meter.id().tagsMap().get("endpoint")))
                      .map(Counter.class::cast)
                      .findFirst()
                      .orElseThrow(() -> new AssertionError("no repricer_rejections{endpoint=\"product\"}"));
    }
}
