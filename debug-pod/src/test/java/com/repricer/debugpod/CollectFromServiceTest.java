package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import com.repricer.fixtures.ServiceProcess;
import com.sun.net.httpserver.HttpServer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * collect's download-and-verify path against the real service, started by the test as its own process: no
 * Kubernetes in between (the port-forward only supplies the base URI). The corrupted exports are the service's real
 * export bytes, cut or altered, served by a small local HTTP server.
 */
class CollectFromServiceTest {

    private static final int REPRICES = 45;
    private static final int TAR_BLOCK = 512;

    @TempDir
    static Path work;
    private static ServiceProcess service;
    private static byte[] export;

    private final StringWriter log = new StringWriter();

    @BeforeAll
    static void seededService() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        service = ServiceProcess.startReady(data, work.resolve("service.log"));
        try (HttpClient http = HttpClient.newHttpClient()) {
            assertThat(new SampleReprices(http).post(service.api(), REPRICES), is(REPRICES));
            service.awaitRecordsInFiles(REPRICES);
            export = http.send(HttpRequest.newBuilder(ResultsDownload.exportUri(service.export(), Optional.empty()))
                                          .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void copiesAreByteIdenticalToResultsAndVerify() throws Exception {
        Path copy = work.resolve("all");

        ResultsVerifier.Report report = collect(service.export(), Optional.empty(), copy);

        List<String> names = names(service.results());
        assertThat(names(copy), is(names));
        for (String name : names) {
            assertArrayEquals(Files.readAllBytes(service.results().resolve(name)), Files.readAllBytes(copy.resolve(name)),
                              name);
        }
        assertThat(report.ok(), is(true));
        assertThat(report.files(), is(names.size()));
        assertThat(report.records(), is((long) REPRICES));
        assertThat(report.products(), is(SampleReprices.PRODUCTS));
        assertThat(report.firstSequence(), is(1L));
        assertThat(report.chainFromStart(), is(true));
        assertThat(log.toString(), containsString(names.size() + " files, "));
        assertThat(log.toString(), containsString(REPRICES + " records of " + SampleReprices.PRODUCTS + " products"));
        assertThat(log.toString(), containsString("previousPrice chains hold"));
    }

    @Test
    void sinceCopiesOnlyLaterFilesAndChecksTheChainFromThere() throws Exception {
        List<String> names = names(service.results());
        String since = names.get(1);
        Path copy = work.resolve("since");

        ResultsVerifier.Report report = collect(service.export(), Optional.of(since), copy);

        assertThat(names(copy), is(names.subList(2, names.size())));
        assertThat(report.ok(), is(true));
        assertThat(report.firstSequence(), greaterThan(1L));
        assertThat(report.chainFromStart(), is(false));
    }

    @Test
    void aTruncatedExportIsReportedAndLeavesNoPartialFile() throws Exception {
        List<String> names = names(service.results());
        long firstSize = Files.size(service.results().resolve(names.getFirst()));
        int firstEntry = TAR_BLOCK + (int) ((firstSize + TAR_BLOCK - 1) / TAR_BLOCK) * TAR_BLOCK;
        // the first entry whole, then the second's header and 10 bytes of its content
        byte[] truncated = Arrays.copyOf(export, firstEntry + TAR_BLOCK + 10);
        Path copy = work.resolve("truncated");

        CliFailure failure = serving(truncated, Map.of(), uri -> assertThrows(CliFailure.class,
                                                                              () -> collect(uri, Optional.empty(), copy)));

        assertThat(failure.exitCode(), is(CliFailure.RESULTS_INVALID));
        assertThat(failure.getMessage(), containsString("results export failed: the export was cut short in "
                                                        + names.get(1)));
        try (Stream<Path> files = Files.list(copy)) {
            assertThat(files.filter(p -> p.toString().endsWith(".part")).count(), is(0L));
        }
        assertThat(names(copy), is(List.of(names.getFirst())));
    }

    @Test
    void anExportWithFewerFilesThanAnnouncedIsReported() throws Exception {
        int announced = names(service.results()).size();
        byte[] firstEntryOnly = tar(Map.of(names(service.results()).getFirst(),
                                           Files.readAllBytes(service.results().resolve(names(service.results())
                                                                                                .getFirst()))));

        CliFailure failure = serving(firstEntryOnly, Map.of("X-Results-Files", Integer.toString(announced)),
                                     uri -> assertThrows(CliFailure.class,
                                                         () -> collect(uri, Optional.empty(), work.resolve("short"))));

        assertThat(failure.exitCode(), is(CliFailure.RESULTS_INVALID));
        assertThat(failure.getMessage(), containsString("the service announced " + announced
                                                        + " files, the archive held 1"));
    }

    @Test
    void aFileThatIsNotValidJsonIsReportedNotAccepted() throws Exception {
        List<String> names = names(service.results());
        byte[] good = Files.readAllBytes(service.results().resolve(names.get(0)));
        byte[] bad = Files.readAllBytes(service.results().resolve(names.get(1)));
        byte[] garbled = new String(bad, StandardCharsets.UTF_8).replaceFirst("\\}", "}}").getBytes(StandardCharsets.UTF_8);

        CliFailure failure = serving(tar(Map.of(names.get(0), good, names.get(1), garbled)), Map.of(),
                                     uri -> assertThrows(CliFailure.class,
                                                         () -> collect(uri, Optional.empty(), work.resolve("garbled"))));

        assertThat(failure.exitCode(), is(CliFailure.RESULTS_INVALID));
        assertThat(failure.getMessage(), containsString("1 PROBLEM:\n    " + names.get(1) + ": not valid JSON"));
    }

    @Test
    void anEntryThatIsNotAResultsFileNameIsRefused() throws Exception {
        CliFailure failure = serving(tar(Map.of("../../outside.json", "[]".getBytes(StandardCharsets.UTF_8))), Map.of(),
                                     uri -> assertThrows(CliFailure.class,
                                                         () -> collect(uri, Optional.empty(), work.resolve("evil"))));
        assertThat(failure.getMessage(), containsString("unexpected entry ../../outside.json"));
        assertThat(Files.exists(work.resolve("outside.json")), is(false));
    }

    @Test
    void aRejectedRequestIsReported() {
        CliFailure failure = assertThrows(CliFailure.class, () -> collect(service.export(), Optional.of("not-a-file"),
                                                                          work.resolve("rejected")));
        assertThat(failure.getMessage(), containsString("the service answered 400"));
    }

    @Test
    void seedingPostsSamplesThatTheApiServes() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String price = http.send(HttpRequest.newBuilder(service.api().resolve("api/product/sample-1/price")).build(),
                                     HttpResponse.BodyHandlers.ofString()).body();
            // sample-1 got reprices 0, 10, 20, 30, 40; the last is 1.00 + 40·0.37 mod 9
            assertThat(price, containsString("\"price\":" + SampleReprices.price(40).toPlainString()));
        }
    }

    private ResultsVerifier.Report collect(URI export, Optional<String> since, Path results) throws Exception {
        PrintWriter out = new PrintWriter(log, true);
        return CollectResults.collect(export, since, results, new TransferProgress(out, false, System::nanoTime), out);
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] tar(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            for (String name : entries.keySet().stream().sorted().toList()) {
                TarArchiveEntry entry = new TarArchiveEntry(name, true);
                entry.setSize(entries.get(name).length);
                tar.putArchiveEntry(entry);
                tar.write(entries.get(name));
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
        return bytes.toByteArray();
    }

    private interface UriAction<T> {
        T apply(URI uri) throws Exception;
    }

    /** Serves {@code body} as the export on a local port for the duration of {@code action}. */
    private static <T> T serving(byte[] body, Map<String, String> headers, UriAction<T> action) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(KubeNames.RESULTS_EXPORT_PATH, exchange -> {
            headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            return action.apply(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
        } finally {
            server.stop(0);
        }
    }
}
