package com.repricer.http;

import com.repricer.RunningService.Response;
import com.repricer.RunningService;
import com.repricer.storage.fs.FaultyStorageFiles.Fault;
import com.repricer.storage.fs.FaultyStorageFiles;
import com.repricer.storage.results.ResultsFileName;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.repricer.RunningService.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * SPEC §1 and §3 under injected I/O errors (log fsync, results fsync, rename into {@code results/}), through the
 * real server: a refused reprice is a 503 problem with Retry-After, readiness turns false while liveness stays
 * true, reads show exactly the acknowledged records and nothing refused, and once the fault clears the service
 * takes reprices again without a restart, every chain continuing from its last acknowledged price.
 */
class StorageFaultApiTest {

    private static final Map<String, String> SHORT_WINDOW = Map.of("repricer.results.window", "PT0.05S");
    private static final int PRODUCTS = 4;
    /** A bound, not a wait: the results writer syncs once a second and retries a second after a failure. */
    private static final Duration SOON = Duration.ofSeconds(15);
    private static final String NEVER_STORED = "refused before its first record";

    @TempDir
    Path dataDir;
    private RunningService service;

    /** productId, previousPrice (null for none) and newPrice of every 200, in order. */
    private record Stored(String productId, BigDecimal previousPrice, BigDecimal newPrice) {
    }

    private final List<Stored> acknowledged = new ArrayList<>();
    private final Map<String, BigDecimal> lastAcknowledgedPrice = new HashMap<>();
    private final Set<BigDecimal> refusedPrices = new HashSet<>();
    private int attempts;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Fault.class)
    void aStorageFaultIs503WithRetryAfterAndTheServiceRecoversWithoutARestart(Fault fault) throws IOException {
        FaultyStorageFiles files = new FaultyStorageFiles(dataDir);
        service = RunningService.start(dataDir, SHORT_WINDOW, files);
        acknowledgeRound();
        acknowledgeRound();

        files.arm(fault);
        Response refused = eventually(SOON, () -> reprice("product-" + attempts % PRODUCTS), r -> r.status() != 200);

        assertUnavailable(refused);
        eventually(SOON, () -> service.adminGet("/observe/health/ready").status(), status -> status == 503);
        assertThat(service.adminGet("/observe/health/live").status(), is(200));
        assertThat(files.injected(fault), greaterThan(0));
        assertUnavailable(reprice("product-0"));
        assertUnavailable(reprice(NEVER_STORED));
        assertServesExactlyTheAcknowledged();

        files.disarm(fault);
        eventually(SOON, () -> service.adminGet("/observe/health/ready").status(), status -> status == 200);
        acknowledgeRound();
        assertServesExactlyTheAcknowledged();

        service.close(); // writes the open window
        assertThat("results/ holds every acknowledged record once, nothing refused", resultsFileRecords(),
                   is(acknowledged));
    }

    /** One reprice with a price never used before; a 200 must continue the product's chain. */
    private Response reprice(String productId) {
        BigDecimal price = new BigDecimal(++attempts + ".75");
        Response response = service.reprice(productId, price.toPlainString());
        if (response.status() != 200) {
            refusedPrices.add(price);
            return response;
        }
        JsonObject record = response.json();
        Stored stored = new Stored(productId, decimal(record.get("previousPrice")), decimal(record.get("newPrice")));
        assertThat(stored, is(new Stored(productId, lastAcknowledgedPrice.get(productId), price)));
        acknowledged.add(stored);
        lastAcknowledgedPrice.put(productId, price);
        return response;
    }

    private void acknowledgeRound() {
        for (int i = 0; i < PRODUCTS; i++) {
            Response response = reprice("product-" + i);
            assertThat(response.toString(), response.status(), is(200));
        }
    }

    private static void assertUnavailable(Response response) {
        response.assertProblem(503);
        assertThat(response.toString(), response.header("Retry-After").isPresent(), is(true));
    }

    /** GET price of every product and the whole of GET /api/query. */
    private void assertServesExactlyTheAcknowledged() {
        lastAcknowledgedPrice.forEach((productId, price) -> {
            Response latest = service.get("/api/product/" + encode(productId) + "/price");
            assertThat(latest.toString(), decimal(latest.json().get("price")), equalTo(price));
        });
        service.get("/api/product/" + encode(NEVER_STORED) + "/price").assertProblem(404);
        List<Stored> history = new ArrayList<>();
        for (int pageNumber = 1; ; pageNumber++) {
            Response page = service.get("/api/query?pagesize=1000&pageNumber=" + pageNumber);
            assertThat(page.toString(), page.status(), is(200));
            List<JsonObject> records = page.jsonArray().getValuesAs(JsonObject.class);
            if (records.isEmpty()) {
                break;
            }
            records.forEach(r -> history.add(new Stored(r.getString("productId"), decimal(r.get("previousPrice")),
                                                        decimal(r.get("price")))));
        }
        assertThat(history, is(acknowledged));
        assertThat(history.stream().map(Stored::newPrice).noneMatch(refusedPrices::contains), is(true));
    }

    /** The records of every file in results/, in name order; every file there must be a complete results file. */
    private List<Stored> resultsFileRecords() throws IOException {
        List<Stored> records = new ArrayList<>();
        for (Path file : service.resultsFiles()) {
            String name = file.getFileName().toString();
            assertThat("a results file: " + name, ResultsFileName.parse(name).isPresent(), is(true));
            try (InputStream in = Files.newInputStream(file); JsonReader reader = Json.createReader(in)) {
                JsonArray array = reader.readArray();
                array.getValuesAs(JsonObject.class).forEach(r -> records.add(new Stored(
                        r.getString("productId"), decimal(r.get("previousPrice")), decimal(r.get("newPrice")))));
            }
        }
        return records;
    }

    private static BigDecimal decimal(JsonValue value) {
        return value == null || value.getValueType() == JsonValue.ValueType.NULL
               ? null : new BigDecimal(value.toString());
    }

    private static String encode(String productId) {
        return URLEncoder.encode(productId, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
