import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The crawlers of scripts/recreate-deploy: CRAWLERS clients, each repricing its own product with rising prices, one
 * request at a time, and retrying every request that got no 200 (refused connection, timeout, 503) after 50 ms with
 * the same {@code Idempotency-Key}, until it is acknowledged. They run until STOP_FILE exists; then the crawler prints
 * the longest time in which no client got a 200, and checks every acknowledged reprice through the API's history
 * query: each must be there exactly once, with its price. When the deploy script left the files {@code switch-started}
 * (the old container got SIGTERM) and {@code switch-ended} (the new one is ready) beside STOP_FILE, it also counts the
 * reprices acknowledged between the two.
 *
 * <p>{@code java scripts/RecreateCrawler.java API_URL STOP_FILE [CRAWLERS]}; exit 1 when a record is missing.
 */
public final class RecreateCrawler {

    private static final Duration RETRY_AFTER = Duration.ofMillis(50);
    private static final Pattern PRICE = Pattern.compile("\"productId\":\"([^\"]+)\",\"previousPrice\":[^,]+,\"price\":([0-9.]+)");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                                              .connectTimeout(Duration.ofSeconds(1)).build();
    private final String api;
    private final Path stop;
    /** Epoch microseconds of every 200 of a reprice, in no particular order. */
    private final ConcurrentLinkedQueue<Long> acknowledgedAt = new ConcurrentLinkedQueue<>();
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    private RecreateCrawler(String api, Path stop) {
        this.api = api;
        this.stop = stop;
    }

    public static void main(String[] args) throws Exception {
        RecreateCrawler crawler = new RecreateCrawler(args[0], Path.of(args[1]));
        int crawlers = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        long started = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        List<List<String>> prices = new ArrayList<>();
        for (int i = 0; i < crawlers; i++) {
            List<String> acknowledged = new ArrayList<>();
            prices.add(acknowledged);
            String product = "recreate-" + ProcessHandle.current().pid() + "-" + i;
            threads.add(Thread.ofVirtual().start(() -> crawler.crawl(product, acknowledged)));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        long total = prices.stream().mapToLong(List::size).sum();
        System.out.printf("crawlers: %d reprices acknowledged in %.1f s, %d attempts without a 200 (retried)%n", total,
                          (System.nanoTime() - started) / 1e9, crawler.failures.get());
        System.out.printf("longest time without a 200: %.2f s%n", crawler.longestGapMicros() / 1e6);
        Path switchStarted = crawler.stop.resolveSibling("switch-started");
        Path switchEnded = crawler.stop.resolveSibling("switch-ended");
        if (Files.exists(switchStarted) && Files.exists(switchEnded)) {
            long from = Files.getLastModifiedTime(switchStarted).to(TimeUnit.MICROSECONDS);
            long to = Files.getLastModifiedTime(switchEnded).to(TimeUnit.MICROSECONDS);
            System.out.printf("switch (SIGTERM to the old container until the new one is ready): %.2f s, %d reprices "
                              + "acknowledged meanwhile%n", (to - from) / 1e6,
                              crawler.acknowledgedAt.stream().filter(t -> t >= from && t <= to).count());
        }
        int missing = 0;
        for (int i = 0; i < crawlers; i++) {
            missing += crawler.verify("recreate-" + ProcessHandle.current().pid() + "-" + i, prices.get(i));
        }
        System.out.printf("checked through the API: %d acknowledged reprices, %d missing or not exactly once%n", total,
                          missing);
        System.exit(missing == 0 ? 0 : 1);
    }

    private void crawl(String product, List<String> acknowledged) {
        for (long n = 1; !Files.exists(stop); n++) {
            String price = n + ".25";
            HttpRequest request = HttpRequest.newBuilder(URI.create(api + "/api/reprice"))
                                             .timeout(Duration.ofSeconds(2))
                                             .header("Content-Type", "application/json")
                                             .header("Idempotency-Key", product + ":" + n)
                                             .POST(HttpRequest.BodyPublishers.ofString(
                                                     "{\"productId\":\"" + product + "\",\"price\":" + price + "}"))
                                             .build();
            while (true) {   // a crawler that retries: the same request, the same key, until it is acknowledged
                attempts.incrementAndGet();
                if (status(request) == 200) {
                    Instant now = Instant.now();
                    acknowledgedAt.add(now.getEpochSecond() * 1_000_000 + now.getNano() / 1000);
                    acknowledged.add(price);
                    break;
                }
                failures.incrementAndGet();
                try {
                    Thread.sleep(RETRY_AFTER);   // a crawler's back-off, not a synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private int status(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private long longestGapMicros() {
        long[] times = acknowledgedAt.stream().mapToLong(Long::longValue).sorted().toArray();
        long longest = 0;
        for (int i = 1; i < times.length; i++) {
            longest = Math.max(longest, times[i] - times[i - 1]);
        }
        return longest;
    }

    /** The number of acknowledged prices of {@code product} that its history does not hold exactly once. */
    private int verify(String product, List<String> acknowledged) throws IOException, InterruptedException {
        Map<String, Integer> found = new HashMap<>();
        for (int page = 1; ; page++) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(api + "/api/query?productId=" + product + "&pagesize=1000&pageNumber="
                                                      + page)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("query of " + product + " page " + page + ": HTTP "
                                                + response.statusCode() + " " + response.body());
            }
            Matcher m = PRICE.matcher(response.body());
            int records = 0;
            while (m.find()) {
                found.merge(m.group(2), 1, Integer::sum);
                records++;
            }
            if (records < 1000) {
                break;
            }
        }
        int missing = 0;
        for (String price : acknowledged) {
            if (found.getOrDefault(price, 0) != 1) {
                missing++;
            }
        }
        return missing;
    }
}
