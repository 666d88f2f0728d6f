package com.repricer.crash;

import com.repricer.fixtures.ServiceProcess;
import com.repricer.fixtures.Tmpfs;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A restart on a full disk, for real: the data directory on a small tmpfs (mounted by the test, so it needs root;
 * skipped with the reason otherwise). A service is killed with SIGKILL, so its next start has results files to
 * write from the log; the disk is filled to the last byte; the service is started again as a child JVM. It must
 * come up live, serve every acknowledged record, report not ready saying the disk is full, refuse reprices with
 * 503 — and once space is freed, finish its work and turn ready, without a restart. (It used to exit 1: "Start-up
 * failed: No space left on device", a crash loop that served nothing.)
 */
class FullDiskRestartTest {

    private static final int RECORDS = 300;
    private static final int PRODUCTS = 10;
    private static final Duration SOON = Duration.ofSeconds(30);

    @TempDir
    Path mountPoint;
    private Tmpfs tmpfs;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                                              .connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void mountTmpfs() {
        assumeTrue(Tmpfs.unavailable() == null, Tmpfs.unavailable());
        tmpfs = Tmpfs.mount(mountPoint, "size=4m,nr_inodes=4096");
    }

    @AfterEach
    void unmount() {
        http.close();
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    @Test
    void aRestartOnAFullDiskServesReadsStaysNotReadyAndFinishesOnceSpaceReturns(TestInfo test) throws Exception {
        Path data = mountPoint.resolve("data");
        Path logs = Path.of("target", "crash-logs");
        Map<String, BigDecimal> latest = new LinkedHashMap<>();
        try (ServiceProcess service = ServiceProcess.startReady(data, logs.resolve("full-disk-1.log"))) {
            for (int i = 1; i <= RECORDS; i++) {
                String product = "product-" + i % PRODUCTS;
                BigDecimal price = new BigDecimal(i + ".25");
                assertThat(reprice(service, product, price).statusCode(), is(200));
                latest.put(product, price);
            }
            assertThat(service.kill(), is(ServiceProcess.EXIT_SIGKILL));
        }
        Path ballast = mountPoint.resolve("ballast");
        fill(ballast);

        try (ServiceProcess service = ServiceProcess.start(data, logs.resolve("full-disk-2.log"))) {
            ServiceProcess.await("the service to answer its liveness probe", SOON,
                                 () -> status(service, "/observe/health/live") == 200, service::output);
            // The log's write probe may tell first; then the results writer's first attempt adds the count.
            ServiceProcess.await("recovery to finish, not ready: records waiting", SOON,
                                 () -> readiness(service).body().contains("records waiting"), service::output);
            HttpResponse<String> ready = readiness(service);
            assertThat(ready.body(), ready.statusCode(), is(503));
            assertThat(ready.body(), containsString("disk full: " + RECORDS
                                                    + " records waiting to be written to results/"));

            JsonArray history = Json.createReader(new StringReader(
                    get(service.api("/api/query?pagesize=1000")).body())).readArray();
            assertThat("every acknowledged record is served", history.size(), is(RECORDS));
            for (Map.Entry<String, BigDecimal> product : latest.entrySet()) {
                HttpResponse<String> price = get(service.api("/api/product/" + product.getKey() + "/price"));
                assertThat(price.statusCode(), is(200));
                try (JsonReader reader = Json.createReader(new StringReader(price.body()))) {
                    JsonObject body = reader.readObject();
                    assertThat(body.getJsonNumber("price").bigDecimalValue(), is(product.getValue()));
                }
            }
            HttpResponse<String> refused = reprice(service, "product-1", new BigDecimal("1.00"));
            assertThat(refused.body(), refused.statusCode(), is(503));
            assertThat(refused.headers().firstValue("Retry-After").isPresent(), is(true));

            Files.delete(ballast);
            service.awaitReady(SOON);
            assertThat(reprice(service, "product-1", new BigDecimal("1.00")).statusCode(), is(200));
            service.awaitRecordsInFiles(RECORDS + 1);
            assertThat("still the first process: no restart", service.process().isAlive(), is(true));
        }
    }

    /** Writes {@code ballast} until the file system refuses: no byte is left. */
    private static void fill(Path ballast) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(ballast)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException e) {
            assertThat(e.getMessage(), containsString("No space left on device"));
        }
    }

    private HttpResponse<String> reprice(ServiceProcess service, String product, BigDecimal price) throws Exception {
        String body = "{\"productId\":\"" + product + "\",\"price\":" + price + "}";
        return http.send(HttpRequest.newBuilder(service.api("/api/reprice")).timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                         HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(java.net.URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                         HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> readiness(ServiceProcess service) {
        try {
            return get(service.admin("/observe/health/ready"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int status(ServiceProcess service, String path) {
        try {
            return get(service.admin(path)).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
