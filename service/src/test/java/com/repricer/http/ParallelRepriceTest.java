package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** SPEC §1: under 100 parallel reprices for 50 products at least 50 must succeed; the goal is all of them. */
class ParallelRepriceTest {

    private static final int REPRICES = 100;
    private static final int PRODUCTS = 50;

    @TempDir
    Path dataDir;

    @Test
    void hundredParallelRepricesOverFiftyProductsAllSucceedWithConsistentChains() throws Exception {
        try (RunningService service = RunningService.start(dataDir)) {
            List<CompletableFuture<Response>> responses = new ArrayList<>();
            for (int i = 0; i < REPRICES; i++) {
                String body = "{\"productId\":\"p" + i % PRODUCTS + "\",\"price\":" + (i + 1) + ".50}";
                responses.add(RunningService.sendAsync(
                        HttpRequest.newBuilder(service.api().resolve("/api/reprice"))
                                   .POST(HttpRequest.BodyPublishers.ofString(body))));
            }
            long succeeded = responses.stream().map(CompletableFuture::join).filter(r -> r.status() == 200).count();
            assertThat(succeeded, is((long) REPRICES));

            Response history = service.get("/api/query?pagesize=1000");
            assertThat(history.status(), is(200));
            List<JsonObject> records = history.jsonArray().getValuesAs(JsonObject.class);
            assertThat(records.size(), is(REPRICES));
            Map<String, JsonValue> lastPrice = new HashMap<>();
            for (JsonObject record : records) {
                String product = record.getString("productId");
                assertThat("chain of " + product, record.get("previousPrice"),
                           is(lastPrice.getOrDefault(product, JsonValue.NULL)));
                lastPrice.put(product, record.get("price"));
            }
            for (Map.Entry<String, JsonValue> last : lastPrice.entrySet()) {
                JsonObject latest = service.get("/api/product/" + last.getKey() + "/price").json();
                assertThat(latest.getJsonNumber("price").bigDecimalValue(),
                           is(new BigDecimal(last.getValue().toString())));
            }
        }
    }
}
