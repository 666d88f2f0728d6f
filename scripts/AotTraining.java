import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load of the AOT training run (scripts/aot-train): what crawlers and operators do to a running service, for a few
 * seconds, so that the training JVM loads, links and profiles the classes and methods production will use.
 *
 * <p>{@code java scripts/AotTraining.java PORTS_FILE SECONDS SERVICE_PID}: waits for the ports file the service writes
 * ({@code repricer.ports-file}) and for readiness (failing at once if the service's process ends), then runs 64 clients for SECONDS: reprices of 500 products, product
 * reads, history queries (one product, all, deep pages), a few invalid requests (400, 404), metrics and health on the
 * admin port; at the end one results export (the export socket when the ports file names one, else the admin port;
 * optional: a service without it is trained without it). Exits 1 when nothing was acknowledged.
 *
 * <p>A single-file program (JEP 330), run by a full JDK: it is not part of the service and not in its image.
 */
public final class AotTraining {

    private static final int CLIENTS = 64;
    private static final int PRODUCTS = 500;
    private static final Duration READY_WITHIN = Duration.ofSeconds(90);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                                              .connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong queries = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final String api;
    private final String admin;
    private final String export;

    private AotTraining(Properties ports) {
        api = "http://127.0.0.1:" + ports.getProperty("api");
        admin = "http://127.0.0.1:" + ports.getProperty("admin");
        String exportPort = ports.getProperty("export");
        export = exportPort != null ? "http://127.0.0.1:" + exportPort : admin;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: java AotTraining.java PORTS_FILE SECONDS SERVICE_PID");
            System.exit(2);
        }
        ProcessHandle service = ProcessHandle.of(Long.parseLong(args[2]))
                                             .orElseThrow(() -> new IllegalStateException("the service has exited"));
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        AotTraining training = new AotTraining(awaitPorts(Path.of(args[0]), service, deadline));
        training.awaitReady(service, deadline);
        training.run(Duration.ofSeconds(Long.parseLong(args[1])));
    }

    private static Properties awaitPorts(Path file, ProcessHandle service, long deadline)
            throws IOException, InterruptedException {
        while (true) {
            try (InputStream in = Files.newInputStream(file)) {
                Properties ports = new Properties();
                ports.load(in);
                return ports;
            } catch (NoSuchFileException e) {
                checkStarting(service, deadline);
                Thread.sleep(50);   // the file appears once: there is nothing to wait on but its existence
            }
        }
    }

    private void awaitReady(ProcessHandle service, long deadline) throws InterruptedException {
        while (status(get(admin + "/observe/health/ready")) != 200) {
            checkStarting(service, deadline);
            Thread.sleep(50);
        }
    }

    private static void checkStarting(ProcessHandle service, long deadline) {
        if (!service.isAlive()) {
            throw new IllegalStateException("the service exited during start-up");
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the service was not ready within " + READY_WITHIN);
        }
    }

    private void run(Duration duration) throws Exception {
        long started = System.nanoTime();
        long end = started + duration.toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(Thread.ofVirtual().start(() -> crawl(end)));
        }
        clients.add(Thread.ofVirtual().start(() -> observe(end)));
        for (Thread client : clients) {
            client.join();
        }
        String exported = exportResults();
        System.out.printf("training load: %d reprices acknowledged, %d product reads, %d queries, %d refused (503) "
                          + "in %.1f s; export: %s%n", acknowledged.get(), reads.get(), queries.get(), refused.get(),
                          (System.nanoTime() - started) / 1e9, exported);
        if (acknowledged.get() == 0) {
            System.err.println("no reprice was acknowledged: the training run exercised nothing");
            System.exit(1);
        }
    }

    /** A crawler: reprices and reads, with the occasional query and bad request. */
    private void crawl(long end) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (long i = 0; System.nanoTime() < end; i++) {
            String product = "training-" + random.nextInt(PRODUCTS);
            String price = random.nextInt(1, 100_000) + "." + String.format("%02d", random.nextInt(100));
            count(post(api + "/api/reprice", "{\"productId\":\"" + product + "\",\"price\":" + price + "}"),
                  acknowledged);
            count(get(api + "/api/product/" + product + "/price"), reads);
            if (i % 8 == 0) {
                count(get(api + "/api/query?productId=" + product + "&pagesize=25"), queries);
            }
            if (i % 32 == 0) {
                count(get(api + "/api/query?pagesize=25&pageNumber=" + (1 + random.nextInt(20))), queries);
            }
            if (i % 64 == 0) {
                post(api + "/api/reprice", "{\"productId\":\"" + product + "\",\"price\":\"not a number\"}");
                get(api + "/api/product/never-priced-" + i + "/price");
            }
        }
    }

    /** What monitoring does meanwhile: readiness and metrics on the admin port. */
    private void observe(long end) {
        while (System.nanoTime() < end) {
            get(admin + "/observe/health/ready");
            get(admin + "/observe/metrics");
            try {
                Thread.sleep(200);   // a scrape interval, compressed
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private String exportResults() {
        HttpResponse<byte[]> response = get(export + "/debug/results");
        if (response == null) {
            return "no export socket at " + export + " (skipped)";
        }
        return response.statusCode() == 200 ? response.body().length + " bytes from " + export
                                            : "HTTP " + response.statusCode() + " at " + export + " (skipped)";
    }

    private void count(HttpResponse<byte[]> response, AtomicLong counter) {
        int status = status(response);
        if (status == 200) {
            counter.incrementAndGet();
        } else if (status == 503) {
            refused.incrementAndGet();
        }
    }

    private HttpResponse<byte[]> get(String uri) {
        return send(HttpRequest.newBuilder(URI.create(uri)).GET());
    }

    private HttpResponse<byte[]> post(String uri, String json) {
        return send(HttpRequest.newBuilder(URI.create(uri)).header("Content-Type", "application/json")
                               .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** The response, or null when the port does not answer (an optional socket that is not there). */
    private HttpResponse<byte[]> send(HttpRequest.Builder request) {
        // join(), which no interrupt ends, rather than send(): nothing here interrupts a client.
        try {
            return http.sendAsync(request.timeout(Duration.ofSeconds(30)).build(),
                                  HttpResponse.BodyHandlers.ofByteArray()).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ConnectException) {
                return null;
            }
            throw e;
        }
    }

    private static int status(HttpResponse<?> response) {
        return response == null ? 0 : response.statusCode();
    }
}
