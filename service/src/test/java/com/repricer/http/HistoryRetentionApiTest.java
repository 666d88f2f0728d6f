package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import com.repricer.storage.results.ResultsFileName;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.is;

/**
 * History retention over HTTP (docs/archive.md, "History retention"): with windows older than 1 s archived in
 * 1-second segments and a retention of 2 s, the oldest segments are deleted while reprices go on. A product whose
 * records were all deleted keeps its last price; {@code /api/query} answers what remains (a {@code from} before
 * the history's start too); {@code /debug/results} exports what remains gap-free, also with {@code since} naming a
 * deleted file; and a restart comes up with the same start.
 */
class HistoryRetentionApiTest {

    private static final Duration SOON = Duration.ofSeconds(60);
    private static final int PRODUCTS = 5;

    @TempDir
    Path dataDir;
    private RunningService service;
    /** The acknowledged reprices' answers, in order. */
    private final List<JsonObject> acknowledged = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        service = RunningService.start(dataDir, Map.of("repricer.results.local-retention", "PT1S",
                                                       "repricer.archive.segment", "PT1S",
                                                       "repricer.history.retention", "PT2S"));
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void whatRemainsIsServedAndExportedAndAProductKeepsItsLastPrice() throws IOException {
        JsonObject earlyFirst = reprice("early", "1.00");
        JsonObject earlyLast = reprice("early", "2.00");
        // The name of the first results file (sequence 1 at the first record's time; since= goes by the sequence).
        long firstNanos = earlyFirst.getJsonNumber("timestamp").bigDecimalValue().movePointRight(9).longValueExact();
        ResultsFileName firstFile = new ResultsFileName(1, firstNanos, 1);

        // Reprice until the product "early" has no record left in the history.
        RunningService.eventually(SOON, () -> {
            reprice("p" + acknowledged.size() % PRODUCTS, (acknowledged.size() + 1) + ".00");
            return parse(service.get("/api/query?productId=early").body()).asJsonArray();
        }, JsonArray::isEmpty);

        assertWhatRemains(earlyLast, firstFile);
        service.restart();
        assertWhatRemains(earlyLast, firstFile);

        // The chain goes on from the last price, whose record is deleted.
        JsonObject next = reprice("early", "3.00");
        assertThat(next.getJsonNumber("previousPrice").bigDecimalValue(), is(new BigDecimal("2.00")));
    }

    private void assertWhatRemains(JsonObject earlyLast, ResultsFileName deletedFile) throws IOException {
        Response price = service.get("/api/product/early/price");
        assertThat(price.toString(), price.status(), is(200));
        JsonObject latest = parse(price.body()).asJsonObject();
        assertThat(latest.get("price"), equalTo(earlyLast.get("newPrice")));
        assertThat(latest.get("timestamp"), equalTo(earlyLast.get("timestamp")));

        // Each product's records (one page, so one consistent answer): the newest of its acknowledged ones, in order.
        for (int p = 0; p < PRODUCTS; p++) {
            String id = "p" + p;
            List<JsonObject> mine = acknowledged.stream().filter(a -> a.getString("productId").equals(id)).toList();
            JsonArray found = parse(service.get("/api/query?pagesize=1000&productId=" + id).body()).asJsonArray();
            assertThat(id, found.size(), is(greaterThan(0)));
            List<JsonObject> expected = mine.subList(mine.size() - found.size(), mine.size());
            for (int i = 0; i < found.size(); i++) {
                assertSame(found.getJsonObject(i), expected.get(i));
            }
        }
        // A query from before the history's start answers what remains: its first record is a kept one.
        String earlyTime = acknowledged.getFirst().getJsonNumber("timestamp").bigDecimalValue().toPlainString();
        JsonArray fromTheStart = parse(service.get("/api/query?pagesize=1&from=" + earlyTime).body()).asJsonArray();
        JsonObject first = fromTheStart.getJsonObject(0);
        assertThat(first.getString("productId").equals("early"), is(false));
        int at = indexOfAcknowledged(first);
        assertThat("a kept record", at, is(greaterThan(1)));

        Map<ResultsFileName, byte[]> all = export("/debug/results");
        List<ResultsFileName> names = List.copyOf(all.keySet());
        assertThat("the export starts after the deleted history", names.getFirst().firstSequence(),
                   is(greaterThan(2L)));
        long next = names.getFirst().firstSequence();
        for (ResultsFileName name : names) {
            assertThat("gap-free", name.firstSequence(), is(next));
            next = name.lastSequence() + 1;
        }
        assertThat("the export holds only acknowledged records", next - 1,
                   is(lessThanOrEqualTo((long) acknowledged.size())));
        Map<ResultsFileName, byte[]> since = export("/debug/results?since=" + deletedFile);
        List<ResultsFileName> sinceNames = List.copyOf(since.keySet());
        assertThat(sinceNames.getLast().lastSequence(), is(greaterThanOrEqualTo(names.getLast().lastSequence())));
        next = sinceNames.getFirst().firstSequence();
        assertThat(next, is(greaterThan(2L)));
        for (ResultsFileName name : sinceNames) {
            assertThat("gap-free", name.firstSequence(), is(next));
            next = name.lastSequence() + 1;
        }
    }

    private int indexOfAcknowledged(JsonObject record) {
        for (int i = 0; i < acknowledged.size(); i++) {
            if (acknowledged.get(i).get("timestamp").equals(record.get("timestamp"))) {
                assertSame(record, acknowledged.get(i));
                return i;
            }
        }
        return -1;
    }

    private static void assertSame(JsonObject queried, JsonObject ack) {
        assertThat(queried.getString("productId"), is(ack.getString("productId")));
        assertThat(queried.get("price"), equalTo(ack.get("newPrice")));
        assertThat(queried.get("previousPrice"), equalTo(ack.get("previousPrice")));
        assertThat(queried.get("timestamp"), equalTo(ack.get("timestamp")));
    }

    private JsonObject reprice(String productId, String price) {
        Response response = service.reprice(productId, price);
        assertThat(response.toString(), response.status(), is(200));
        JsonObject answer = parse(response.body()).asJsonObject();
        acknowledged.add(answer);
        return answer;
    }

    private Map<ResultsFileName, byte[]> export(String pathAndQuery) throws IOException {
        return ResultsExport.files(service, pathAndQuery);
    }

    private static jakarta.json.JsonValue parse(byte[] body) {
        return ResultsExport.json(body);
    }
}
