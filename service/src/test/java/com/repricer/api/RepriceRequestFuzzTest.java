package com.repricer.api;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import com.repricer.api.RepriceBodies.Accept;
import com.repricer.api.RepriceBodies.Body;
import com.repricer.api.RepriceBodies.Reject;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * Property: {@link RepriceRequest#parse} turns any body into either a request SPEC §1 allows — with exactly the
 * id and price an independent oracle reads from the body — or a {@link BadRequestException} (400); never any other
 * exception, never slowly. Well-formed bodies must also be accepted exactly when the oracle says they are valid.
 * See {@link Fuzz} for the seed and iteration settings and {@link RepriceBodies} for the inputs.
 */
class RepriceRequestFuzzTest {

    private static final int PARSER_STREAM = 1;
    private static final int HTTP_STREAM = 2;
    private static final BigDecimal PRICE_LIMIT = BigDecimal.TEN.pow(20);

    @Test
    void everyBodyIsAValidRequestOrABadRequest() {
        long seed = Fuzz.SEED;
        int accepted = 0;
        int refused = 0;
        int predicted = 0;
        long slowestNanos = 0;
        for (int i = 0; i < Fuzz.ITERATIONS; i++) {
            Body body = RepriceBodies.next(Fuzz.random(seed, PARSER_STREAM, i));
            String context = Fuzz.context(seed, i, Fuzz.escape(body.bytes()));

            long started = System.nanoTime();
            RepriceRequest request = parseOrNull(body.bytes(), context);
            long tookNanos = System.nanoTime() - started;

            Fuzz.assertFast(tookNanos, () -> parseOrNull(body.bytes(), context), context);
            slowestNanos = Math.max(slowestNanos, tookNanos);
            if (request != null) {
                accepted++;
                assertAllowedBySpec(body.bytes(), request, context);
            } else {
                refused++;
            }
            switch (body.expected()) {
                case Accept expected -> {
                    predicted++;
                    assertThat(context + ": a valid body was refused", request, is(notNullValue()));
                    assertThat(context, request.productId(), is(expected.productId()));
                    assertThat(context, request.price(), is(expected.price()));
                }
                case Reject expected -> {
                    predicted++;
                    assertThat(context + ": accepted although " + expected.why(), request, is(nullValue()));
                }
                default -> {
                    // mutated or random: either answer is fine, and an accepted one was checked above
                }
            }
        }
        System.out.printf(Locale.ROOT, "reprice body fuzz (seed %d): %d inputs, %d accepted, %d refused, %d with a"
                                       + " predicted answer, slowest parse %.2f ms%n", seed, Fuzz.ITERATIONS,
                          accepted, refused, predicted, slowestNanos / 1e6);
        // The generator must reach both answers often, or the property says little.
        assertThat("seed " + seed + ": accepted bodies", accepted, is(greaterThan(Fuzz.ITERATIONS / 10)));
        assertThat("seed " + seed + ": refused bodies", refused, is(greaterThan(Fuzz.ITERATIONS / 10)));
    }

    /**
     * The HTTP layer gives the parser's answer — 200 with the parsed record, or a 400 problem — and the API and
     * {@code results/} hold exactly the accepted records, in order.
     */
    @Test
    void aSampleThroughTheServerIsAnsweredAsParsedAndOnlyAcceptedBodiesAreStored(@TempDir Path dataDir)
            throws IOException {
        long seed = Fuzz.SEED;
        List<RepriceRequest> stored = new ArrayList<>();
        try (RunningService service = RunningService.start(dataDir)) {
            for (int i = 0; i < Fuzz.HTTP_SAMPLES; i++) {
                Body body = RepriceBodies.next(Fuzz.random(seed, HTTP_STREAM, i));
                String context = Fuzz.context(seed, i, Fuzz.escape(body.bytes()));
                RepriceRequest expected = parseOrNull(body.bytes(), context);

                Response response = service.post("/api/reprice", body.bytes(), "application/json");

                if (expected == null) {
                    assertThat(context + ": " + response, response.status(), is(400));
                    response.assertProblem(400);
                } else {
                    assertThat(context + ": " + response, response.status(), is(200));
                    JsonObject record = response.json();
                    assertThat(context, record.getString("productId"), is(expected.productId()));
                    assertThat(context, record.getJsonNumber("newPrice").bigDecimalValue(), is(expected.price()));
                    stored.add(expected);
                }
            }
            assertThat("history from the API (seed " + seed + ")", history(service), is(stored));
        }
        assertThat("records in results/ (seed " + seed + ")", results(dataDir.resolve("results")), is(stored));
        System.out.printf(Locale.ROOT, "reprice body fuzz over HTTP (seed %d): %d bodies, %d stored%n", seed,
                          Fuzz.HTTP_SAMPLES, stored.size());
    }

    /** The parsed request, or {@code null} for a 400; any other outcome fails with the context. */
    private static RepriceRequest parseOrNull(byte[] body, String context) {
        try {
            return RepriceRequest.parse(body);
        } catch (BadRequestException e) {
            assertThat(context + ": the 400's detail", e.detail().isBlank(), is(false));
            return null;
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError(context + ": threw " + e, e);
        }
    }

    /** SPEC §1's rules for an accepted body, and the oracle's reading of the same body. */
    private static void assertAllowedBySpec(byte[] body, RepriceRequest request, String context) {
        assertThat(context + ": productId " + Fuzz.escape(request.productId()),
                   RepriceBodies.idProblem(request.productId()), is(nullValue()));
        BigDecimal price = request.price();
        assertThat(context, price.signum(), is(1));
        assertThat(context, price.compareTo(PRICE_LIMIT), is(-1));
        assertThat(context + ": scale of " + price, price.scale() >= 0 && price.scale() <= 18, is(true));

        String text = new String(body, StandardCharsets.UTF_8);
        Matcher number = RepriceBodies.PRICE_MEMBER.matcher(text);
        assertThat(context + ": the oracle finds the price's text", number.find(), is(true));
        assertThat(context + ": price " + number.group(1), price, is(RepriceBodies.priceOrNull(number.group(1))));
        assertThat(context + ": a second price", number.find(), is(false));

        JsonObject object;
        try (JsonReader reader = Json.createReader(new StringReader(text))) {
            object = reader.readObject();
        } catch (JsonException e) {
            throw new AssertionError(context + ": accepted, but JSON-P's reader refuses it: " + e.getMessage(), e);
        }
        assertThat(context, object.keySet(), is(Set.of("productId", "price")));
        assertThat(context, request.productId(), is(object.getString("productId")));
    }

    /** Every record the API's history holds, oldest first, following the pages. */
    private static List<RepriceRequest> history(RunningService service) {
        List<RepriceRequest> records = new ArrayList<>();
        for (int page = 1; ; page++) {
            Response response = service.get("/api/query?pagesize=1000&pageNumber=" + page);
            assertThat(response.toString(), response.status(), is(200));
            List<JsonObject> onPage = response.jsonArray().getValuesAs(JsonObject.class);
            if (onPage.isEmpty()) {
                return records;
            }
            onPage.forEach(r -> records.add(new RepriceRequest(r.getString("productId"),
                                                               r.getJsonNumber("price").bigDecimalValue())));
        }
    }

    /** Every record in the results files, in file-name (sequence) order. */
    private static List<RepriceRequest> results(Path resultsDir) throws IOException {
        List<RepriceRequest> records = new ArrayList<>();
        if (!Files.isDirectory(resultsDir)) {
            return records;
        }
        try (var files = Files.list(resultsDir)) {
            for (Path file : files.sorted().toList()) {
                try (JsonReader reader = Json.createReader(Files.newBufferedReader(file))) {
                    JsonArray array = reader.readArray();
                    array.getValuesAs(JsonObject.class).forEach(r -> records.add(
                            new RepriceRequest(r.getString("productId"), r.getJsonNumber("newPrice").bigDecimalValue())));
                }
            }
        }
        return records;
    }
}
