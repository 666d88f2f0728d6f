package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

/**
 * {@code GET /api/query} over HTTP against one real service holding a known history (SPEC §1). The tests only
 * read, so they share the service.
 */
class QueryApiTest {

    private static final Pattern NEXT = Pattern.compile("^<([^>]+)>;\\s*rel=\"next\"$");
    /** An id that needs encoding in a query and in the Link header. */
    private static final String ODD_ID = "x/y z+&=%é";

    @TempDir
    static Path dataDir;
    private static RunningService service;
    /** Everything stored, in the order the reprices were answered (= timestamp order: they were sequential). */
    private static final List<Stored> history = new ArrayList<>();

    /** One record as the reprice answered it. */
    private record Stored(String productId, BigDecimal previousPrice, BigDecimal price, BigDecimal timestamp) {

        static Stored of(JsonObject json, String priceField) {
            return new Stored(json.getString("productId"), decimal(json.get("previousPrice")),
                              decimal(json.get(priceField)), decimal(json.get("timestamp")));
        }

        private static BigDecimal decimal(JsonValue value) {
            return value == JsonValue.NULL ? null : ((JsonNumber) value).bigDecimalValue();
        }

        /** The timestamp as the API writes it, e.g. {@code 1795799587.523456789}. */
        String epochSeconds() {
            return timestamp.toPlainString();
        }

        Instant instant() {
            return Instant.ofEpochSecond(timestamp.longValue(),
                                         timestamp.remainder(BigDecimal.ONE).movePointRight(9).intValueExact());
        }
    }

    @BeforeAll
    static void storeHistory() throws IOException {
        service = RunningService.start(dataDir);
        String[] products = {"a", "b", "a", "c", "a", "b", "a", ODD_ID};
        for (int i = 0; i < 30; i++) {
            String productId = products[i % products.length];
            Response response = service.reprice(productId, (i + 1) + ".50");
            assertThat(response.toString(), response.status(), is(200));
            history.add(Stored.of(response.json(), "newPrice"));
        }
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Order, shape and paging

    @Test
    void wholeHistoryInAscendingOrderWithTheRecordShape() {
        Response response = service.get("/api/query?pagesize=1000");

        assertThat(response.toString(), response.status(), is(200));
        assertThat(response.contentType(), is("application/json"));
        assertThat(response.jsonArray().getJsonObject(0).keySet(),
                   is(Set.of("productId", "previousPrice", "price", "timestamp")));
        assertThat(records(response), is(history));
        assertThat(response.header("Link"), is(Optional.empty()));
    }

    @Test
    void defaultPageIsTheFirst25() {
        Response response = service.get("/api/query");

        assertThat(records(response), is(history.subList(0, 25)));
        assertThat(nextLink(response).isPresent(), is(true));
    }

    @ParameterizedTest(name = "pagesize {0}")
    @ValueSource(ints = {1, 3, 7, 10, 29, 30, 31, 1000})
    void pageKHoldsMatchesKSizeMinusSizeToKSizeMinusOneAndLinksTheNextExactlyWhenItExists(int size) {
        int pages = (history.size() + size - 1) / size;
        for (int k = 1; k <= pages + 1; k++) {
            Response page = service.get("/api/query?pagesize=" + size + "&pageNumber=" + k);

            List<Stored> expected = history.subList(Math.min(k * size - size, history.size()),
                                                    Math.min(k * size, history.size()));
            assertThat("page " + k, records(page), is(expected));
            assertThat("Link on page " + k + ": " + page.headers(), nextLink(page).isPresent(), is(k < pages));
        }
    }

    @Test
    void pageFarPastTheEndIsEmpty() {
        assertThat(service.get("/api/query?pageNumber=1000000").text(), is("[]"));
        assertThat(service.get("/api/query?pageNumber=9223372036854775807&pagesize=1000").text(), is("[]"));
    }

    @Test
    void followingTheNextLinksWalksTheWholeHistory() {
        List<Stored> walked = new ArrayList<>();
        int pages = 0;
        Optional<String> next = Optional.of("/api/query?pageSize=7");
        while (next.isPresent()) {
            Response page = service.get(next.get());
            assertThat(page.toString(), page.status(), is(200));
            walked.addAll(records(page));
            pages++;
            next = nextLink(page);
        }

        assertThat(walked, is(history));
        assertThat(pages, is(5));
    }

    @Test
    void nextLinkKeepsTheFiltersAndEncodesThem() {
        Instant from = history.get(1).instant();
        List<Stored> expected = history.stream()
                                       .filter(r -> r.productId().equals(ODD_ID) && !r.instant().isBefore(from))
                                       .toList();
        assertThat(expected, hasSize(3));

        List<Stored> walked = new ArrayList<>();
        Optional<String> next = Optional.of("/api/query?pagesize=1&productId=" + encode(ODD_ID)
                                            + "&from=" + encode(OffsetDateTime.ofInstant(from, ZoneOffset.ofHours(2))
                                                                        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)));
        while (next.isPresent()) {
            Response page = service.get(next.get());
            assertThat(page.toString(), page.status(), is(200));
            walked.addAll(records(page));
            next = nextLink(page);
        }

        assertThat(walked, is(expected));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Filters

    @Test
    void productIdFilterKeepsOnlyThatProductsChain() {
        List<Stored> records = records(service.get("/api/query?productId=a&pagesize=1000"));

        assertThat(records, is(history.stream().filter(r -> r.productId().equals("a")).toList()));
        assertThat(records.getFirst().previousPrice(), is((BigDecimal) null));
        for (int i = 1; i < records.size(); i++) {
            assertThat(records.get(i).previousPrice(), is(records.get(i - 1).price()));
        }
    }

    @Test
    void productIdFilterPagesWithinTheProduct() {
        List<Stored> a = history.stream().filter(r -> r.productId().equals("a")).toList();

        Response second = service.get("/api/query?productId=a&pagesize=5&pageNumber=2");

        assertThat(records(second), is(a.subList(5, 10)));
        assertThat(nextLink(second).isPresent(), is(a.size() > 10));
    }

    @Test
    void productIdNeedingEncodingIsFound() {
        List<Stored> records = records(service.get("/api/query?productId=" + encode(ODD_ID)));

        assertThat(records, is(history.stream().filter(r -> r.productId().equals(ODD_ID)).toList()));
        assertThat(records, hasSize(3));
    }

    /** SPEC §1: a {@code +} in the query string is a literal plus, as in the path (not a form's space). */
    @Test
    void aRawPlusInTheQueryIsAPlus() {
        String rawPlus = encode(ODD_ID).replace("%2B", "+");
        Instant from = history.get(4).instant();
        Instant to = history.get(9).instant();

        List<Stored> byId = records(service.get("/api/query?productId=" + rawPlus));
        List<Stored> byOffset = records(service.get("/api/query?from=" + inPlusTwo(from) + "&to=" + inPlusTwo(to)));

        assertThat(rawPlus, containsString("+"));
        assertThat(byId, is(history.stream().filter(r -> r.productId().equals(ODD_ID)).toList()));
        assertThat(byId, hasSize(3));
        assertThat(inPlusTwo(from), containsString("+02:00"));
        assertThat(byOffset, is(history.subList(4, 9)));
    }

    @Test
    void unknownProductIsAnEmptyPage() {
        Response response = service.get("/api/query?productId=nope");

        assertThat(response.status(), is(200));
        assertThat(response.text(), is("[]"));
        assertThat(response.header("Link"), is(Optional.empty()));
    }

    @Test
    void fromIsInclusiveAndToExclusiveInEpochSeconds() {
        Stored from = history.get(4);
        Stored to = history.get(9);

        List<Stored> records = records(service.get("/api/query?from=" + from.epochSeconds()
                                                   + "&to=" + to.epochSeconds()));

        assertThat(records, is(history.subList(4, 9)));
    }

    @Test
    void fromIsInclusiveAndToExclusiveInRfc3339() {
        Instant from = history.get(4).instant();
        Instant to = history.get(9).instant();

        List<Stored> utc = records(service.get("/api/query?from=" + from + "&to=" + to));
        List<Stored> offset = records(service.get("/api/query?from=" + encode(inPlusTwo(from))
                                                  + "&to=" + encode(inPlusTwo(to))));

        assertThat(utc, is(history.subList(4, 9)));
        assertThat(offset, is(history.subList(4, 9)));
    }

    @Test
    void boundsAreExactToTheNanosecond() {
        Instant at = history.get(4).instant();

        assertThat(records(service.get("/api/query?from=" + at.plusNanos(1))), contains(history.subList(5, 30)
                .toArray(Stored[]::new)));
        assertThat(records(service.get("/api/query?to=" + at.plusNanos(1))).getLast(), is(history.get(4)));
        assertThat(records(service.get("/api/query?to=" + at)).getLast(), is(history.get(3)));
    }

    @Test
    void fromOrToAloneBoundOneSide() {
        Stored fifth = history.get(4);

        assertThat(records(service.get("/api/query?pagesize=1000&from=" + fifth.epochSeconds())),
                   is(history.subList(4, 30)));
        assertThat(records(service.get("/api/query?pagesize=1000&to=" + fifth.epochSeconds())),
                   is(history.subList(0, 4)));
        assertThat(records(service.get("/api/query?to=" + history.getFirst().epochSeconds())), is(empty()));
    }

    @Test
    void wholeSecondsAndShortFractionsAreAccepted() {
        long firstSecond = history.getFirst().timestamp().longValue();

        assertThat(records(service.get("/api/query?pagesize=1000&from=" + firstSecond)), is(history));
        assertThat(records(service.get("/api/query?pagesize=1000&from=" + firstSecond + ".0")), is(history));
        assertThat(records(service.get("/api/query?pagesize=1000&from=0&to=9000000000")), is(history));
    }

    @Test
    void fromEqualToToIsEmpty() {
        String at = history.get(4).epochSeconds();

        Response response = service.get("/api/query?from=" + at + "&to=" + at);

        assertThat(response.status(), is(200));
        assertThat(response.text(), is("[]"));
    }

    @Test
    void filtersCombineWithPaging() {
        List<Stored> expected = history.subList(4, 20).stream().filter(r -> r.productId().equals("a")).toList();
        String query = "/api/query?productId=a&pagesize=2&from=" + history.get(4).epochSeconds() + "&to="
                       + history.get(20).instant();

        List<Stored> all = new ArrayList<>();
        for (int k = 1; k <= expected.size() / 2 + 1; k++) {
            all.addAll(records(service.get(query + "&pageNumber=" + k)));
        }

        assertThat(all, is(expected));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rejections

    @ParameterizedTest(name = "?{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            productId=a&productId=b                        | productId
            pagesize=2&pageSize=3                          | pagesize
            pageSize=2&pagesize=3                          | pagesize
            pagesize=2&pagesize=2                          | pagesize
            pageSize=2&pageSize=3                          | pageSize
            pageNumber=1&pageNumber=2                      | pageNumber
            from=1&from=2                                  | from
            to=1&to=2                                      | to
            foo=1                                          | foo
            productid=a                                    | productid
            page=2                                         | page
            pageNumber=0                                   | pageNumber
            pageNumber=-1                                  | pageNumber
            pageNumber=1.5                                 | pageNumber
            pageNumber=abc                                 | pageNumber
            pageNumber=                                    | pageNumber
            pageNumber=%201                                | pageNumber
            pageNumber=99999999999999999999                | pageNumber
            pagesize=0                                     | pagesize
            pagesize=1001                                  | pagesize
            pagesize=-5                                    | pagesize
            pagesize=ten                                   | pagesize
            pageSize=0                                     | pageSize
            pageSize=1001                                  | pageSize
            from=2&to=1                                    | from
            from=2026-11-27T17:13:08Z&to=2026-11-27T17:13:07Z | from
            from=1795799587.5&to=2026-11-27T17:13:07Z      | from
            from=yesterday                                 | from
            to=garbage                                     | to
            from=                                          | from
            from=2026-11-27T17:13:07                       | from
            from=2026-11-27                                | from
            from=2026-11-27 17:13:07Z                      | from
            from=2026-13-01T00:00:00Z                      | from
            from=2026-02-30T00:00:00Z                      | from
            to=2026-11-27T25:00:00Z                        | to
            to=2026-11-27T17:13:07.1234567891Z             | to
            to=2026-11-27T17:13:07%2B24:00                 | to
            from=1e9                                       | from
            from=-1                                        | from
            from=1.1234567891                              | from
            from=%2B5                                      | from
            to=99999999999999999999                        | to
            to=1795799587.                                 | to
            productId=                                     | productId
            productId=a%00b                                | productId
            productId=a%C2%85b                             | productId
            foo                                            | foo
            pagesize=1&pagesize                            | pagesize
            productId&productId=x                          | productId
            productId                                      | productId
            pageNumber                                     | pageNumber
            """)
    void invalidParameterIs400ProblemNamingIt(String query, String parameter) {
        Response response = service.get("/api/query?" + query.replace(" ", "%20"));

        response.assertProblem(400);
        assertThat(response.toString(), response.invalidParamNames(), hasItem(parameter));
    }

    @Test
    void everyProblemIsNamedAtOnce() {
        Response response = service.get("/api/query?pageNumber=0&pagesize=0&from=x&foo=1");

        response.assertProblem(400);
        assertThat(response.invalidParamNames(),
                   org.hamcrest.Matchers.containsInAnyOrder("pageNumber", "pagesize", "from", "foo"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"POST", "PUT", "DELETE"})
    void wrongMethodIs405AllowingGet(String method) {
        Response response = service.method(method, "/api/query");

        response.assertProblem(405);
        assertThat(response.header("Allow").orElse(""), is("GET, HEAD"));
    }

    // ---------------------------------------------------------------------------------------------------------

    private static List<Stored> records(Response response) {
        assertThat(response.toString(), response.status(), is(200));
        return response.jsonArray().getValuesAs(JsonObject.class).stream().map(r -> Stored.of(r, "price")).toList();
    }

    /** The target of {@code Link: <…>; rel="next"}, if the response has one. */
    private static Optional<String> nextLink(Response response) {
        return response.header("Link").map(link -> {
            Matcher m = NEXT.matcher(link);
            assertThat("Link header " + link, m.matches(), is(true));
            return m.group(1);
        });
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String inPlusTwo(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.ofHours(2)).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
}
