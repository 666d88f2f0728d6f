package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The admin port (SPEC §3): health and Prometheus metrics; and the results export on its own loopback socket. */
class AdminTest {

    /** SPEC §2: a file appears within window (1 s by default) + 1 s of its first record; the rest is slack. */
    private static final Duration FILE_APPEARS = Duration.ofSeconds(5);

    @RegisterExtension
    final RunningService service = RunningService.perTest();

    // ---------------------------------------------------------------------------------------------------------
    // Health

    @Test
    void readyAndLiveAfterStart() {
        Response ready = service.adminGet("/observe/health/ready");
        Response live = service.adminGet("/observe/health/live");

        assertThat(ready.toString(), ready.status(), is(200));
        assertThat(ready.json().getString("status"), is("UP"));
        assertThat(live.toString(), live.status(), is(200));
        assertThat(live.json().getString("status"), is("UP"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Metrics

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"repricer_requests_total", "repricer_rejections_total", "repricer_write_queue_depth",
                            "repricer_log_fsync", "repricer_results_files_written_total",
                            "repricer_records_written_total", "repricer_recovery_seconds"})
    void everyMetricIsThereFromTheFirstScrape(String name) {
        String metrics = scrape(service);

        assertThat(metrics, containsString("\n" + name));
    }

    @Test
    void requestAndRejectionCountersAreZeroInitialisedPerEndpoint() {
        String metrics = scrape(service);

        for (String endpoint : List.of("reprice", "product", "query")) {
            assertThat(endpoint, value(metrics, "repricer_requests_total", "endpoint=\"" + endpoint + "\"",
                                       "status=\"200\"").isPresent(), is(true));
            assertThat(endpoint, value(metrics, "repricer_rejections_total", "endpoint=\"" + endpoint + "\"")
                    .isPresent(), is(true));
        }
        assertThat(value(metrics, "repricer_requests_total", "endpoint=\"product\"", "status=\"503\"").isPresent(),
                   is(true));
    }

    @Test
    void metricsArePrometheusText() {
        Response response = RunningService.send(HttpRequest.newBuilder(service.admin().resolve("/observe/metrics"))
                                                           .header("Accept", "text/plain"));

        assertThat(response.status(), is(200));
        assertThat(response.contentType(), startsWith("text/plain"));
        assertThat(response.text(), containsString("# TYPE repricer_requests_total counter"));
    }

    @Test
    void requestCounterGrowsWithReprices() {
        double before = requests(service, "reprice", 200);

        for (int i = 0; i < 3; i++) {
            assertThat(service.reprice("p" + i, "1").status(), is(200));
        }
        service.get("/api/query?pageNumber=0");

        // The counter is bumped after the response went out, hence "eventually".
        RunningService.eventually(Duration.ofSeconds(5), () -> requests(service, "reprice", 200), count -> count == before + 3);
        RunningService.eventually(Duration.ofSeconds(5), () -> requests(service, "query", 400), count -> count >= 1);
    }

    @Test
    void recordsAndFilesWrittenAreCounted() {
        double recordsBefore = metric(service, "repricer_records_written_total");
        double filesBefore = metric(service, "repricer_results_files_written_total");

        List<Path> files = storeAndAwaitFiles(12);

        RunningService.eventually(Duration.ofSeconds(5), () -> metric(service, "repricer_records_written_total"),
                                  n -> n == recordsBefore + 12);
        assertThat(metric(service, "repricer_results_files_written_total"), is(filesBefore + files.size()));
    }

    @Test
    void aServiceStartedAfterAnotherInTheSameJvmCountsFromZero(@TempDir Path otherDataDir) throws IOException {
        for (int i = 0; i < 3; i++) {
            assertThat(service.reprice("p" + i, "1").status(), is(200));
        }
        RunningService.eventually(Duration.ofSeconds(5), () -> requests(service, "reprice", 200), n -> n >= 3);
        service.close();  // writes its open window: records and files written are counted too

        try (RunningService next = RunningService.start(otherDataDir)) {
            String metrics = scrape(next);
            // Fails while RepricerMetrics' "own" registries all share Micrometer's global registry (see report).
            assertThat("reprice/200 of the new service", value(metrics, "repricer_requests_total", "endpoint=\"reprice\"", "status=\"200\"")
                    .orElseThrow(), is(0.0));
            assertThat("records written by the new service",
                       value(metrics, "repricer_records_written_total").orElseThrow(), is(0.0));
            assertThat("files written by the new service",
                       value(metrics, "repricer_results_files_written_total").orElseThrow(), is(0.0));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Only on the admin port

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/observe/health", "/observe/health/ready", "/observe/health/live", "/observe/metrics",
                            "/debug/results", "/observe"})
    void apiPortDoesNotServeAdminPaths(String path) {
        service.get(path).assertProblem(404);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/api/query", "/api/product/p1/price"})
    void adminPortDoesNotServeTheApi(String path) {
        service.reprice("p1", "1");

        assertThat(service.adminGet(path).status(), is(404));
    }

    @Test
    void adminPortNoLongerServesTheExport() throws IOException {
        storeAndAwaitFiles(1);

        assertThat(service.adminGet("/debug/results").status(), is(404));
        assertThat(service.exportGet("/debug/results").status(), is(200));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Results export: its own socket, bound to loopback

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/observe/health/ready", "/observe/health/live", "/observe/metrics", "/openapi",
                            "/api/query", "/api/product/p1/price"})
    void exportSocketServesNothingButTheExport(String path) {
        service.reprice("p1", "1");

        assertThat(service.exportGet(path).status(), is(404));
    }

    /**
     * Reached from another address of this host (as another pod would reach the pod's IP), the export socket
     * refuses the connection while the admin socket on the same address accepts it.
     */
    @Test
    void exportSocketIsBoundToLoopbackOnly() throws IOException {
        Optional<InetAddress> external = NetworkInterface.networkInterfaces()
                                                         .flatMap(NetworkInterface::inetAddresses)
                                                         .filter(address -> address instanceof Inet4Address)
                                                         .filter(address -> !address.isLoopbackAddress())
                                                         .findFirst();
        assumeTrue(external.isPresent(), "this host has no non-loopback IPv4 address to connect from");

        try (Socket admin = new Socket()) {
            admin.connect(new InetSocketAddress(external.get(), service.admin().getPort()), 5_000);
        }
        try (Socket export = new Socket()) {
            assertThrows(ConnectException.class, () -> export.connect(
                    new InetSocketAddress(external.get(), service.export().getPort()), 5_000));
        }
    }

    @Test
    void exportIsATarOfTheResultsFilesByteForByte() throws IOException {
        List<Path> files = storeAndAwaitFiles(12);  // at most 10 records a file: two files at least

        Response export = service.exportGet("/debug/results");

        assertThat(export.toString(), export.status(), is(200));
        assertThat(export.contentType(), is("application/x-tar"));
        assertThat(export.header("X-Results-Files").orElse(""), is(Integer.toString(files.size())));
        assertThat(untar(export.body()), is(contentsOf(files)));
    }

    @Test
    void exportSinceAFileHasOnlyTheLaterFiles() throws IOException {
        List<Path> files = storeAndAwaitFiles(12);
        String first = files.getFirst().getFileName().toString();
        String last = files.getLast().getFileName().toString();

        List<Map.Entry<String, String>> later = untar(service.exportGet("/debug/results?since=" + first).body());
        List<Map.Entry<String, String>> afterLast = untar(service.exportGet("/debug/results?since=" + last).body());

        assertThat(later, is(contentsOf(files.subList(1, files.size()))));
        assertThat(afterLast, is(empty()));
    }

    @Test
    void exportOfNoFilesIsAnEmptyTar() throws IOException {
        Response export = service.exportGet("/debug/results");

        assertThat(export.status(), is(200));
        assertThat(untar(export.body()), is(empty()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"since=", "since=garbage", "since=..%2Fwal", "since=0000000000000000001.json",
                            "since=0000000000000000001_20261127T171307.123456789Z_10.json&since=x",
                            "after=0000000000000000001_20261127T171307.123456789Z_10.json"})
    void invalidSinceIs400(String query) {
        Response response = service.exportGet("/debug/results?" + query);

        assertThat(response.toString(), response.status(), is(400));
    }

    @Test
    void exportAllowsOnlyGet() {
        Response response = RunningService.send(HttpRequest.newBuilder(service.export().resolve("/debug/results"))
                                                           .DELETE());

        assertThat(response.status(), is(405));
        assertThat(response.header("Allow").orElse(""), is("GET"));
    }

    // ---------------------------------------------------------------------------------------------------------

    private static String scrape(RunningService service) {
        Response response = service.adminGet("/observe/metrics");
        assertThat(response.toString(), response.status(), is(200));
        return "\n" + response.text();
    }

    private static double requests(RunningService service, String endpoint, int status) {
        return value(scrape(service), "repricer_requests_total", "endpoint=\"" + endpoint + "\"",
                     "status=\"" + status + "\"").orElseThrow();
    }

    private static double metric(RunningService service, String name) {
        String metrics = scrape(service);
        return value(metrics, name).orElseThrow(() -> new AssertionError(name + " not in " + metrics));
    }

    /** The value of the first sample of {@code name} whose labels contain all of {@code labels}. */
    private static OptionalDouble value(String metrics, String name, String... labels) {
        Matcher sample = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})?\\s+(\\S+)", Pattern.MULTILINE)
                                .matcher(metrics);
        while (sample.find()) {
            String found = sample.group(1) == null ? "" : sample.group(1);
            if (List.of(labels).stream().allMatch(found::contains)) {
                return OptionalDouble.of(Double.parseDouble(sample.group(2)));
            }
        }
        return OptionalDouble.empty();
    }

    /** Stores {@code records} reprices and waits until they all are in {@code results/}; returns its files. */
    private List<Path> storeAndAwaitFiles(int records) {
        for (int i = 0; i < records; i++) {
            assertThat(service.reprice("p" + i % 3, (i + 1) + ".00").status(), is(200));
        }
        return RunningService.eventually(FILE_APPEARS, service::resultsFiles,
                                         files -> recordsIn(files) == records);
    }

    /** The record count each results file name ends with ({@code …_10.json}). */
    private static int recordsIn(List<Path> files) {
        return files.stream()
                    .map(file -> file.getFileName().toString())
                    .mapToInt(name -> Integer.parseInt(name.substring(name.lastIndexOf('_') + 1,
                                                                      name.length() - ".json".length())))
                    .sum();
    }

    /** Each file as (name, content), the bytes kept exactly as ISO-8859-1 characters. */
    private static List<Map.Entry<String, String>> contentsOf(List<Path> files) {
        return files.stream().map(file -> {
            try {
                return Map.entry(file.getFileName().toString(),
                                 new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    /** Each tar entry as (name, content), in archive order, like {@link #contentsOf}. */
    private static List<Map.Entry<String, String>> untar(byte[] tar) throws IOException {
        List<Map.Entry<String, String>> entries = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                assertThat(entry.getName() + " is a regular file", entry.isFile(), is(true));
                entries.add(Map.entry(entry.getName(), new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)));
            }
        }
        return entries;
    }
}
