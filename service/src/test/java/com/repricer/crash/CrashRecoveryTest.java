package com.repricer.crash;

import com.repricer.storage.archive.SegmentName;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.fixtures.ServiceProcess;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/**
 * SPEC §2 durability against a real process: "an acknowledged reprice is never lost, also on kill -9".
 *
 * <p>The service runs as a child JVM ({@link ServiceProcess}). Writer threads post reprices with unique prices and
 * note every 200 with its body; at a random moment (seeded) the child is killed with SIGKILL while they are still
 * writing, restarted on the same data directory, and everything acknowledged so far is checked through the API
 * and in {@code results/}: present exactly once, identical, gap-free, chained, and never shrinking. Every reprice
 * carries an {@code Idempotency-Key}; after each restart the reprices that were in flight at the kill are retried
 * with their keys (as a crawler that timed out would) and must end up stored exactly once, and a sample of the
 * acknowledged ones is retried too and must come back as the original record.
 *
 * <p>System properties: {@code crash.cycles} (default 5) for a longer run, {@code crash.seed} to replay one.
 * The children's output is kept in {@code target/crash-logs/}.
 */
class CrashRecoveryTest {

    private static final long SEED = Long.getLong("crash.seed", 20261127L);
    private static final int CYCLES = Integer.getInteger("crash.cycles", 5);
    private static final int WRITERS = 8;
    /** More reprices in flight at the SIGTERM. */
    private static final int SIGTERM_WRITERS = 32;
    private static final int MAX_PAGE = 1000;
    /** 20 products; a few ids need escaping in JSON and percent-encoding in the product path. */
    private static final List<String> PRODUCTS = products();
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final Pattern RFC_3339_NANOS =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{9}Z");
    private static final long WINDOW_NANOS = 1_000_000_000L;
    private static final int MAX_RECORDS_PER_FILE = 10;
    private static final Duration AWAIT = Duration.ofSeconds(20);
    /** The crash or SIGTERM comes after this many acknowledged reprices plus a seeded share of the spread. */
    private static final int KILL_AFTER_AT_LEAST = 100;
    private static final int STOP_AFTER_AT_LEAST = 50;
    private static final int KILL_AFTER_SPREAD = 400;
    /** Settings (Helidon's environment mapping) that make the service archive within seconds. */
    private static final Map<String, String> ARCHIVING = Map.of("REPRICER_RESULTS_LOCAL_dash_RETENTION", "PT2S",
                                                                "REPRICER_ARCHIVE_SEGMENT", "PT1S");

    /** One record, as the API acknowledged it or as the history/results hold it. Prices compare with scale. */
    record Rec(String productId, BigDecimal previousPrice, BigDecimal newPrice, long timestampNanos) {
    }

    private static List<String> products() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            ids.add(String.format(Locale.ROOT, "crash-%02d", i));
        }
        ids.add("crash/with slash");
        ids.add("crash \"quoted\" \\ back");
        ids.add("crash-prix-été-€");
        ids.add("crash+plus%percent");
        return List.copyOf(ids);
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void acknowledgedRepricesSurviveRepeatedKillDashNine(@TempDir Path data, TestInfo test) throws Exception {
        killLoop(data, test, Map.of());
    }

    /**
     * The same while results files move into the archive all the time (docs/archive.md): windows older than 2 s,
     * in segments of 1 s, so kills land before, during and after moves. The history is then read from the
     * archive's segments (as ordinary {@code .tar.gz} files) and {@code results/} together.
     */
    @Test
    void acknowledgedRepricesSurviveRepeatedKillDashNineWhileArchiving(@TempDir Path data, TestInfo test)
            throws Exception {
        killLoop(data, test, ARCHIVING);
        List<SegmentName> segments = archivedSegments(data);
        assertThat("segments archived during the kill loop", segments.size(), greaterThan(0));
        System.out.printf(Locale.ROOT, "crash test while archiving: %d segments, records 1..%d archived%n",
                          segments.size(), segments.getLast().lastSequence());
    }

    private void killLoop(Path data, TestInfo test, Map<String, String> environment) throws Exception {
        long began = System.nanoTime();
        Random random = new Random(SEED);
        Traffic traffic = new Traffic();
        List<Rec> history = List.of();
        ServiceProcess service = ServiceProcess.startReady(data, logFile(test, 0), environment);
        try {
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                int ackedBefore = traffic.acked.size();
                int killAfter = ackedBefore + KILL_AFTER_AT_LEAST + random.nextInt(KILL_AFTER_SPREAD);
                try (Writers writers = Writers.start(service, WRITERS, cycle, traffic, random.nextLong())) {
                    // The (seeded) moment of the crash: after a number of acknowledged reprices, mid-traffic.
                    // While archiving, from the third cycle on the kill also waits for a first segment, so that
                    // the later kills land on an archive that is in use (a slow machine makes the cycles short).
                    boolean awaitSegment = !environment.isEmpty() && cycle >= 3;
                    ServiceProcess.await(killAfter + " acknowledged reprices in cycle " + cycle
                                         + (awaitSegment ? " and an archived segment" : ""), AWAIT,
                                         () -> traffic.acked.size() >= killAfter && (!awaitSegment || archived(data))
                                               || !traffic.errors.isEmpty() || !traffic.failed.isEmpty(),
                                         service::output);
                    boolean midTraffic = writers.allRunning();
                    int exit = service.kill();
                    assertThat("exit code of the SIGKILLed service (cycle " + cycle + ")", exit,
                               is(ServiceProcess.EXIT_SIGKILL));
                    assertThat("every writer was still writing at the kill (cycle " + cycle + "); errors: "
                               + traffic.errors + traffic.failed.values(), midTraffic, is(true));
                    writers.awaitStopped(AWAIT);
                }
                assertThat("writer errors", List.copyOf(traffic.errors), is(empty()));
                assertThat("reprices answered neither 200 nor 503", List.copyOf(traffic.failed.values()),
                           is(empty()));
                service.close();

                service = ServiceProcess.startReady(data, logFile(test, cycle), environment);
                int previousSize = history.size();
                history = verifyAfterRestart(service, data, traffic, history);
                int retried = retryWithKeys(service, traffic, random);
                System.out.printf(Locale.ROOT, "crash cycle %d/%d (seed %d): killed after %d acknowledged; %d "
                                               + "acknowledged in total (%d this cycle), history %d records (+%d), "
                                               + "%d retried with their idempotency keys%n",
                                  cycle, CYCLES, SEED, killAfter - ackedBefore, traffic.acked.size(),
                                  traffic.acked.size() - ackedBefore, history.size(),
                                  history.size() - previousSize, retried);
            }

            history = verifyAfterRestart(service, data, traffic, history); // with the last cycle's retries
            int exit = service.terminate(Duration.ofSeconds(10));
            assertThat("exit code after SIGTERM; output:\n" + service.output(), exit, is(0));
            List<Rec> files = readResults(data);
            assertSameRecords("results/ after the final SIGTERM vs the last verified history", history, files);
            assertThat("records in the final history", history.size(), greaterThan(0));
        } finally {
            service.close();
        }
        System.out.printf(Locale.ROOT, "crash test: %d cycles, %d acknowledged reprices checked, %d records, "
                                       + "%.1f s%n", CYCLES, traffic.acked.size(), history.size(),
                          (System.nanoTime() - began) / 1e9);
    }

    @Test
    void sigtermMakesEverythingAcknowledgedDurableWritesTheOpenWindowAndExitsZero(@TempDir Path data, TestInfo test)
            throws Exception {
        Random random = new Random(SEED ^ 0x5EED_7E57L);
        Traffic traffic = new Traffic();
        List<Rec> files;
        try (ServiceProcess service = ServiceProcess.startReady(data, logFile(test, 0))) {
            int stopAfter = STOP_AFTER_AT_LEAST + random.nextInt(KILL_AFTER_SPREAD);
            try (Writers writers = Writers.start(service, SIGTERM_WRITERS, 1, traffic,
                                                      random.nextLong())) {
                // The (seeded) moment of the SIGTERM: after a number of acknowledged reprices, mid-traffic.
                ServiceProcess.await(stopAfter + " acknowledged reprices", AWAIT,
                                     () -> traffic.acked.size() >= stopAfter || !traffic.errors.isEmpty()
                                           || !traffic.failed.isEmpty(), service::output);
                assertThat("every writer is still writing at the SIGTERM; errors: " + traffic.errors
                           + traffic.failed.values(), writers.allRunning(), is(true));
                long signalled = System.nanoTime();
                int exit = service.terminate(Duration.ofSeconds(10));
                Duration took = Duration.ofNanos(System.nanoTime() - signalled);
                assertThat("exit code after SIGTERM; output:\n" + service.output(), exit, is(0));
                assertThat("time from SIGTERM to exit", took, lessThan(Duration.ofSeconds(10)));
                writers.awaitStopped(AWAIT);
            }

            // What the SIGTERM left behind, before any recovery could complete it.
            files = readResults(data);
            Map<String, Rec> byPrice = checkHistory("results/ after SIGTERM", files, traffic);
            assertAllAcknowledgedPresent("results/ after SIGTERM", traffic, byPrice);
            System.out.printf(Locale.ROOT, "SIGTERM after %d acknowledged: %d acknowledged, %d records in %s%n",
                              stopAfter, traffic.acked.size(), files.size(), data.resolve("results"));
            // A reprice in flight at the SIGTERM is answered 200 (made durable) or 503 (not stored), never
            // failed while its record is stored anyway: a client would retry it and store it twice.
            List<String> failures = traffic.failed.entrySet().stream()
                                                  .map(e -> e.getValue() + " (stored anyway: "
                                                            + byPrice.containsKey(e.getKey()) + ")")
                                                  .toList();
            assertThat("reprices in flight at the SIGTERM that failed", failures, is(empty()));
            assertThat("writer errors", List.copyOf(traffic.errors), is(empty()));
            // The shutdown ran to its end (Repricer.close logs this last) rather than the JVM exiting under it
            // once its last non-daemon thread ended; and the service's own count matches what is on disk.
            assertThat("the service completed its shutdown (Repricer.close ran to its last line)", service.output(),
                       containsString("Stopped; " + files.size() + " records durable"));
        }

        // Nothing was left in the log for a restart to add: the files were already complete.
        try (ServiceProcess restarted = ServiceProcess.startReady(data, logFile(test, 1))) {
            assertSameRecords("history after a restart vs results/ written at SIGTERM", files,
                              queryAll(restarted));
            assertSameRecords("results/ after a restart vs results/ written at SIGTERM", files, readResults(data));
            assertThat("exit code after SIGTERM", restarted.terminate(Duration.ofSeconds(10)), is(0));
        }
    }

    @Test
    void secondInstanceOnADirectoryInUseExitsAtOnceNamingDirectoryAndLock(@TempDir Path data, TestInfo test)
            throws Exception {
        try (ServiceProcess first = ServiceProcess.startReady(data, logFile(test, 0))) {
            try (ServiceProcess second = ServiceProcess.start(data, logFile(test, 1))) {
                long launched = System.nanoTime();
                // SPEC §2: exits within 5 s. Counted from the service's first log line, so that a JVM start-up
                // slowed by a loaded build machine does not count against the service.
                ServiceProcess.await("the second instance's first log line", Duration.ofSeconds(30),
                                     () -> !second.output().isEmpty() || !second.process().isAlive(),
                                     second::output);
                int exit = second.awaitExit(Duration.ofSeconds(5));
                System.out.printf(Locale.ROOT, "second instance exited with %d, %d ms after launch%n", exit,
                                  Duration.ofNanos(System.nanoTime() - launched).toMillis());
                String output = second.output();
                assertThat("exit code of the second instance; output:\n" + output, exit, not(0));
                assertThat("the second instance was not killed by a signal", exit, lessThan(128));
                assertThat(output, containsString(data.toAbsolutePath().toString()));
                // The lock file's name is DataDirectoryLock.FILE_NAME.
                Path lock = data.toAbsolutePath().resolve("repricer.lock");
                assertThat(output, containsString(lock.toString()));
                assertThat("the named lock file exists", Files.exists(lock), is(true));
            }

            // The first instance is unaffected.
            first.awaitReady(Duration.ofSeconds(5));
            try (HttpClient client = httpClient()) {
                HttpResponse<String> response = client.send(
                        HttpRequest.newBuilder(first.api("/api/reprice"))
                                   .timeout(Duration.ofSeconds(10))
                                   .POST(HttpRequest.BodyPublishers.ofString(
                                           "{\"productId\":\"crash-lock\",\"price\":1.50}"))
                                   .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.body(), response.statusCode(), is(200));
                Rec ack = parseAck(response.body());
                assertThat(ack.newPrice().toPlainString(), is("1.50"));
            }
            assertThat("exit code after SIGTERM", first.terminate(Duration.ofSeconds(10)), is(0));
            List<Rec> files = readResults(data);
            assertThat(files.size(), is(1));
            assertThat(files.getFirst().productId(), is("crash-lock"));
        }
    }

    // ------------------------------------------------------------------------------------------------ traffic

    /** What the writers sent and saw, across all cycles. Prices are unique, so a price names one request. */
    static final class Traffic {
        /** Price (plain string as sent) → the acknowledged record from the 200 body. */
        final Map<String, Rec> acked = new ConcurrentHashMap<>();
        /** Price → product of every request that was sent (acknowledged or not). */
        final Map<String, String> sent = new ConcurrentHashMap<>();
        /** Prices answered 503: never stored, never shown. */
        final Set<String> refused = ConcurrentHashMap.newKeySet();
        /** Price → what came back, for every answer other than 200 and 503. */
        final Map<String, String> failed = new ConcurrentHashMap<>();
        final Queue<String> errors = new ConcurrentLinkedQueue<>();
    }

    /** Virtual threads (at most 100) posting reprices until the service goes away. */
    static final class Writers implements AutoCloseable {

        private final List<Thread> threads = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final HttpClient client = httpClient();

        static Writers start(ServiceProcess service, int count, int round, Traffic traffic, long seed) {
            Writers writers = new Writers();
            URI uri = service.api("/api/reprice");
            for (int w = 0; w < count; w++) {
                int writer = w;
                Random random = new Random(seed + 31L * writer);
                writers.threads.add(Thread.ofVirtual().name("writer-" + round + "-" + writer)
                                          .start(() -> writers.write(uri, round, writer, random, traffic)));
            }
            return writers;
        }

        private void write(URI uri, int round, int writer, Random random, Traffic traffic) {
            for (int counter = 1; counter < 1_000_000 && !stop.get(); counter++) {
                // Unique: round·100 + writer before the point, the counter after it; scale always 6, so
                // 100.000010 must come back as 100.000010, not 100.00001.
                String price = String.format(Locale.ROOT, "%d%02d.%06d", round, writer, counter);
                String product = PRODUCTS.get(random.nextInt(PRODUCTS.size()));
                HttpRequest request = repriceRequest(uri, product, price);
                traffic.sent.put(price, product);
                HttpResponse<String> response;
                try {
                    response = client.send(request, HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    return; // the service is gone (killed or stopped)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                switch (response.statusCode()) {
                    case 200 -> {
                        try {
                            Rec ack = parseAck(response.body());
                            if (!ack.productId().equals(product) || !ack.newPrice().toPlainString().equals(price)) {
                                traffic.errors.add("reprice " + product + " = " + price + " acknowledged as "
                                                   + response.body());
                                return;
                            }
                            traffic.acked.put(price, ack);
                        } catch (RuntimeException e) {
                            traffic.errors.add("unreadable 200 body " + response.body() + ": " + e);
                            return;
                        }
                    }
                    case 503 -> traffic.refused.add(price);
                    default -> {
                        traffic.failed.put(price, "reprice " + product + " = " + price + ": "
                                                  + response.statusCode() + " " + response.body());
                        return;
                    }
                }
            }
        }

        boolean allRunning() {
            return threads.stream().allMatch(Thread::isAlive);
        }

        void awaitStopped(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (Thread thread : threads) {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                assertThat(thread.getName() + " stopped after the service went away", thread.isAlive(), is(false));
            }
        }

        @Override
        public void close() {
            stop.set(true);
            client.shutdownNow();
        }
    }

    /** A reprice whose idempotency key is its price (unique, see {@link Writers#write}). */
    private static HttpRequest repriceRequest(URI uri, String product, String price) {
        return HttpRequest.newBuilder(uri)
                          .timeout(Duration.ofSeconds(15))
                          .header("Content-Type", "application/json")
                          .header("Idempotency-Key", "crash-test-" + price)
                          .POST(HttpRequest.BodyPublishers.ofString(
                                  "{\"productId\":" + jsonString(product) + ",\"price\":" + price + "}"))
                          .build();
    }

    /**
     * Retries, with their keys, every reprice that got no answer (in flight at the kill) and a sample of the
     * acknowledged ones. The unanswered ones are acknowledged now — whether their first attempt was stored or
     * not — and the next verification checks each is stored exactly once; an acknowledged one must come back
     * as its original record, marked as replayed.
     *
     * @return how many were retried
     */
    private static int retryWithKeys(ServiceProcess service, Traffic traffic, Random random) throws Exception {
        URI uri = service.api("/api/reprice");
        List<String> unanswered = traffic.sent.keySet().stream()
                                              .filter(p -> !traffic.acked.containsKey(p) && !traffic.refused.contains(p))
                                              .sorted().toList();
        List<String> acknowledged = traffic.acked.keySet().stream().sorted().toList();
        List<String> sample = Stream.generate(() -> acknowledged.get(random.nextInt(acknowledged.size())))
                                    .limit(Math.min(20, acknowledged.size())).distinct().toList();
        try (HttpClient client = httpClient()) {
            for (String price : Stream.concat(unanswered.stream(), sample.stream()).toList()) {
                HttpResponse<String> response = client.send(repriceRequest(uri, traffic.sent.get(price), price),
                                                            HttpResponse.BodyHandlers.ofString());
                assertThat("retry of " + price + ": " + response.body(), response.statusCode(), is(200));
                Rec ack = parseAck(response.body());
                Rec original = traffic.acked.putIfAbsent(price, ack);
                if (original != null) {
                    assertThat("retry of acknowledged " + price, ack, equalTo(original));
                    assertThat("retry of acknowledged " + price + " is marked as replayed",
                               response.headers().firstValue("Idempotent-Replayed"), is(Optional.of("true")));
                }
            }
        }
        return unanswered.size() + sample.size();
    }

    // ------------------------------------------------------------------------------------------------ checks

    /**
     * After a restart: the API's history and {@code results/} agree record by record, extend what the previous
     * restart showed, and hold every acknowledged reprice exactly once; the product endpoint shows each product's
     * last record.
     */
    private static List<Rec> verifyAfterRestart(ServiceProcess service, Path data, Traffic traffic,
                                                List<Rec> previous) throws Exception {
        List<Rec> history = queryAll(service);
        assertThat("history never shrinks", history.size(), greaterThanOrEqualTo(previous.size()));
        assertSameRecords("history up to the previous restart", previous, history.subList(0, previous.size()));
        Map<String, Rec> byPrice = checkHistory("API history", history, traffic);
        assertAllAcknowledgedPresent("API history", traffic, byPrice);

        ServiceProcess.await("results/ holding sequences 1.." + history.size(), AWAIT,
                             () -> contiguousThrough(data) >= history.size(), service::output);
        assertSameRecords("results/ vs API history", history, readResults(data));

        checkLatestPrices(service, history);
        return history;
    }

    /**
     * Checks one history in sequence order: strictly increasing timestamps, every record one that was sent (its
     * price with its product), none twice, none refused, and every product's previous-price chain.
     *
     * @return the records by price
     */
    private static Map<String, Rec> checkHistory(String what, List<Rec> records, Traffic traffic) {
        Map<String, Rec> byPrice = new HashMap<>();
        Map<String, BigDecimal> lastPrice = new HashMap<>();
        long lastTimestamp = Long.MIN_VALUE;
        for (int i = 0; i < records.size(); i++) {
            Rec record = records.get(i);
            String where = what + ", sequence " + (i + 1) + ": " + record;
            assertThat(where + ": timestamp increases", record.timestampNanos(), greaterThan(lastTimestamp));
            lastTimestamp = record.timestampNanos();
            String price = record.newPrice().toPlainString();
            assertThat(where + ": a price that was sent, for its product", traffic.sent.get(price),
                       is(record.productId()));
            assertThat(where + ": stored once", byPrice.put(price, record), is(nullValue()));
            assertThat(where + ": was refused with 503 yet stored", traffic.refused.contains(price), is(false));
            assertThat(where + ": previousPrice chain", record.previousPrice(),
                       equalTo(lastPrice.get(record.productId())));
            lastPrice.put(record.productId(), record.newPrice());
        }
        return byPrice;
    }

    private static void assertAllAcknowledgedPresent(String what, Traffic traffic, Map<String, Rec> byPrice) {
        List<String> problems = new ArrayList<>();
        traffic.acked.forEach((price, ack) -> {
            Rec stored = byPrice.get(price);
            if (stored == null) {
                problems.add("LOST " + ack);
            } else if (!stored.equals(ack)
                       || !stored.newPrice().toPlainString().equals(ack.newPrice().toPlainString())) {
                problems.add("acknowledged " + ack + " but stored " + stored);
            }
        });
        assertThat(what + ": " + problems.size() + " of " + traffic.acked.size()
                   + " acknowledged reprices lost or changed, e.g. "
                   + problems.subList(0, Math.min(10, problems.size())), problems, is(empty()));
    }

    private static void assertSameRecords(String what, List<Rec> expected, List<Rec> actual) {
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
            assertThat(what + ": sequence " + (i + 1), actual.get(i), equalTo(expected.get(i)));
        }
        assertThat(what + ": record count", actual.size(), is(expected.size()));
    }

    private static void checkLatestPrices(ServiceProcess service, List<Rec> history) throws Exception {
        Map<String, Rec> latest = new LinkedHashMap<>();
        history.forEach(record -> latest.put(record.productId(), record));
        try (HttpClient client = httpClient()) {
            for (String product : PRODUCTS) {
                URI uri = service.api("/api/product/" + URLEncoder.encode(product, StandardCharsets.UTF_8)
                                                                  .replace("+", "%20") + "/price");
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri)
                                                                       .timeout(Duration.ofSeconds(10)).build(),
                                                            HttpResponse.BodyHandlers.ofString());
                Rec last = latest.get(product);
                if (last == null) {
                    assertThat(uri + ": " + response.body(), response.statusCode(), is(404));
                    continue;
                }
                assertThat(uri + ": " + response.body(), response.statusCode(), is(200));
                JsonObject body = parseObject(response.body());
                assertThat(uri + ": productId", body.getString("productId"), is(product));
                assertThat(uri + ": price", body.getJsonNumber("price").bigDecimalValue(), equalTo(last.newPrice()));
                assertThat(uri + ": timestamp", epochNanos(body.getJsonNumber("timestamp")),
                           is(last.timestampNanos()));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** Every page of {@code GET /api/query?pagesize=1000}, following {@code Link: <…>; rel="next"}. */
    private static List<Rec> queryAll(ServiceProcess service) throws Exception {
        List<Rec> records = new ArrayList<>();
        try (HttpClient client = httpClient()) {
            URI next = service.api("/api/query?pagesize=" + MAX_PAGE);
            for (int page = 1; next != null; page++) {
                URI current = next;
                assertThat("pages followed", page, lessThan(100_000));
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(current)
                                                                        .timeout(Duration.ofSeconds(30)).build(),
                                                             HttpResponse.BodyHandlers.ofString());
                assertThat(current + ": " + response.body(), response.statusCode(), is(200));
                JsonArray array = parseArray(response.body());
                Optional<String> link = response.headers().firstValue("Link");
                for (JsonValue value : array) {
                    JsonObject object = value.asJsonObject();
                    records.add(new Rec(object.getString("productId"), price(object.get("previousPrice")),
                                        object.getJsonNumber("price").bigDecimalValue(),
                                        epochNanos(object.getJsonNumber("timestamp"))));
                }
                assertThat(current + ": page size", array.size(), lessThanOrEqualTo(MAX_PAGE));
                next = null;
                if (link.isPresent()) {
                    assertThat(current + ": a page with a next page is full", array.size(), is(MAX_PAGE));
                    Matcher m = NEXT_LINK.matcher(link.get());
                    assertThat("Link header " + link.get(), m.find(), is(true));
                    next = response.uri().resolve(m.group(1));
                }
            }
        }
        return records;
    }

    /** The names in {@code results/}, all of which must be results file names, in sequence order. */
    private static List<ResultsFileName> resultsFiles(Path data) throws IOException {
        List<ResultsFileName> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(data.resolve("results"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                Optional<ResultsFileName> parsed = ResultsFileName.parse(name);
                assertThat("only complete results files in results/: " + name, parsed.isPresent(), is(true));
                names.add(parsed.get());
            }
        }
        names.sort(Comparator.comparingLong(ResultsFileName::firstSequence));
        return names;
    }

    /** The complete segments in {@code <data>/archive} (both parts there), in sequence order. */
    private static boolean archived(Path data) {
        try {
            return !archivedSegments(data).isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<SegmentName> archivedSegments(Path data) throws IOException {
        Path archive = data.resolve("archive");
        if (!Files.isDirectory(archive)) {
            return List.of();
        }
        try (Stream<Path> parts = Files.list(archive)) {
            return SegmentName.complete(parts.map(part -> part.getFileName().toString()).collect(Collectors.toSet()));
        }
    }

    /**
     * Every results file of the history with its bytes, in sequence order: those in the archive's segments, read
     * as the ordinary {@code .tar.gz} files they are, and those in {@code results/}. {@code results/} is listed
     * first, so a file the service moves meanwhile is found in its segment; one found in both must be the same.
     */
    private static List<Map.Entry<ResultsFileName, byte[]>> historyFiles(Path data) throws IOException {
        TreeMap<Long, Map.Entry<ResultsFileName, byte[]>> files = new TreeMap<>();
        for (ResultsFileName name : resultsFiles(data)) {
            try {
                files.put(name.firstSequence(),
                          Map.entry(name, Files.readAllBytes(data.resolve("results").resolve(name.toString()))));
            } catch (NoSuchFileException e) {
                // moved into the archive since the listing
            }
        }
        for (SegmentName segment : archivedSegments(data)) {
            Path segmentFile = data.resolve("archive").resolve(segment.dataName());
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new GZIPInputStream(Files.newInputStream(segmentFile)))) {
                for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                    String entryName = entry.getName();
                    ResultsFileName name = ResultsFileName.parse(entryName)
                            .orElseThrow(() -> new AssertionError(segmentFile + " holds " + entryName));
                    byte[] bytes = tar.readAllBytes();
                    Map.Entry<ResultsFileName, byte[]> loose = files.put(name.firstSequence(), Map.entry(name, bytes));
                    if (loose != null) {
                        assertThat("loose and archived copies of " + name, loose.getKey(), equalTo(name));
                        assertThat("loose and archived copies of " + name, loose.getValue(), equalTo(bytes));
                    }
                }
            }
        }
        return List.copyOf(files.values());
    }

    /** The last sequence of the gap-free run of files from 1. */
    private static long contiguousThrough(Path data) {
        try {
            long through = 0;
            for (ResultsFileName name : historyFiles(data).stream().map(Map.Entry::getKey).toList()) {
                if (name.firstSequence() != through + 1) {
                    break;
                }
                through = name.lastSequence();
            }
            return through;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Reads every results file: names gap-free from sequence 1 and agreeing with the content (count, first
     * timestamp), each file a JSON array within one window and the record limit, timestamps in RFC 3339 with
     * nine fraction digits.
     */
    private static List<Rec> readResults(Path data) throws IOException {
        List<Rec> records = new ArrayList<>();
        List<Map.Entry<ResultsFileName, byte[]>> history = historyFiles(data);
        List<ResultsFileName> names = history.stream().map(Map.Entry::getKey).toList();
        List<String> order = names.stream().map(ResultsFileName::toString).sorted().toList();
        assertThat("file names sort in sequence order",
                   names.stream().map(ResultsFileName::toString).toList(), equalTo(order));
        long expected = 1;
        for (Map.Entry<ResultsFileName, byte[]> file : history) {
            ResultsFileName name = file.getKey();
            assertThat("no gap or overlap before " + name, name.firstSequence(), is(expected));
            Path path = data.resolve("results").resolve(name.toString()); // or archived: named as it was
            String content = new String(file.getValue(), StandardCharsets.UTF_8);
            JsonArray array;
            try {
                array = parseArray(content);
            } catch (RuntimeException e) {
                throw new AssertionError(path + " is not a JSON array: " + e + "\n" + content, e);
            }
            assertThat(path + ": record count in the name", array.size(), is(name.recordCount()));
            assertThat(path + ": at most " + MAX_RECORDS_PER_FILE + " records", array.size(),
                       lessThanOrEqualTo(MAX_RECORDS_PER_FILE));
            for (JsonValue value : array) {
                JsonObject object = value.asJsonObject();
                assertThat(path + ": fields", object.keySet(),
                           equalTo(Set.of("productId", "previousPrice", "newPrice", "timestamp")));
                String timestamp = object.getString("timestamp");
                assertThat(path + ": timestamp " + timestamp, RFC_3339_NANOS.matcher(timestamp).matches(), is(true));
                Instant instant = Instant.parse(timestamp);
                long nanos = Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L),
                                           instant.getNano());
                records.add(new Rec(object.getString("productId"), price(object.get("previousPrice")),
                                    object.getJsonNumber("newPrice").bigDecimalValue(), nanos));
            }
            Rec first = records.get((int) (expected - 1));
            assertThat(path + ": first timestamp in the name", name.firstTimestampNanos(), is(first.timestampNanos()));
            Rec last = records.getLast();
            assertThat(path + ": one window", Math.floorDiv(last.timestampNanos(), WINDOW_NANOS),
                       is(Math.floorDiv(first.timestampNanos(), WINDOW_NANOS)));
            expected = name.lastSequence() + 1;
        }
        return records;
    }

    // ------------------------------------------------------------------------------------------------ JSON

    private static Rec parseAck(String body) {
        JsonObject object = parseObject(body);
        return new Rec(object.getString("productId"), price(object.get("previousPrice")),
                       object.getJsonNumber("newPrice").bigDecimalValue(),
                       epochNanos(object.getJsonNumber("timestamp")));
    }

    private static BigDecimal price(JsonValue value) {
        if (value == null) {
            throw new AssertionError("previousPrice is missing");
        }
        return value.getValueType() == JsonValue.ValueType.NULL ? null : ((JsonNumber) value).bigDecimalValue();
    }

    /** Epoch seconds with a fraction (the API's form) → epoch nanoseconds, exactly. */
    private static long epochNanos(JsonNumber seconds) {
        return seconds.bigDecimalValue().movePointRight(9).longValueExact();
    }

    private static JsonObject parseObject(String json) {
        try (JsonReader reader = Json.createReader(new StringReader(json))) {
            return reader.readObject();
        }
    }

    private static JsonArray parseArray(String json) {
        try (JsonReader reader = Json.createReader(new StringReader(json))) {
            return reader.readArray();
        }
    }

    private static String jsonString(String text) {
        return Json.createValue(text).toString();
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    static HttpClient httpClient() {
        return HttpClient.newBuilder()
                         .version(HttpClient.Version.HTTP_1_1)
                         .connectTimeout(Duration.ofSeconds(2))
                         .build();
    }

    private static Path logFile(TestInfo test, int run) {
        String name = test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("crash");
        return Path.of("target", "crash-logs", name + "-" + run + ".log").toAbsolutePath();
    }
}
