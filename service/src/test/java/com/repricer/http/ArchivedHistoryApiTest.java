package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import com.repricer.storage.archive.SegmentName;
import com.repricer.storage.results.ResultsFileName;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

/**
 * Clients see no difference once history is archived (docs/archive.md): over HTTP, with windows older than 2 s
 * moved into 1-second segments, {@code /api/query} pages through every acknowledged record in order and
 * {@code /debug/results} exports every results file, archived or loose, gap-free, with {@code ?since=} continuing
 * across the boundary between the archive and {@code results/}.
 */
class ArchivedHistoryApiTest {

    private static final Duration SOON = Duration.ofSeconds(30);
    private static final Map<String, String> SETTINGS = Map.of("repricer.results.local-retention", "PT2S",
                                                               "repricer.archive.segment", "PT1S");

    @TempDir
    Path dataDir;
    private RunningService service;
    private final List<String> acknowledged = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        service = RunningService.start(dataDir, SETTINGS);
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void queriesAndTheExportReadArchivedAndLooseFilesAlike() throws IOException {
        repriceUntilTwoSegmentsAreArchived();
        long archivedThrough = archivedSegments().getLast().lastSequence();

        assertRecords("all products", walk("/api/query?pagesize=7"), acknowledgedJson());

        Map<ResultsFileName, byte[]> all = export("/debug/results");
        long next = 1;
        for (Map.Entry<ResultsFileName, byte[]> file : all.entrySet()) {
            assertThat("gap-free", file.getKey().firstSequence(), is(next));
            next = file.getKey().lastSequence() + 1;
            assertThat(new String(file.getValue(), StandardCharsets.UTF_8).startsWith("[\n\t{\n"), is(true));
        }
        assertThat("the export reaches past the archive", next - 1, is(greaterThanOrEqualTo(archivedThrough)));
        // ?since= a file inside the archive continues across the boundary without a gap or a repeat.
        List<ResultsFileName> names = List.copyOf(all.keySet());
        ResultsFileName since = names.stream().filter(n -> n.lastSequence() < archivedThrough).toList().getLast();
        Map<ResultsFileName, byte[]> after = export("/debug/results?since=" + since);
        List<ResultsFileName> expected = names.subList(names.indexOf(since) + 1, names.size());
        assertThat(List.copyOf(after.keySet()).subList(0, expected.size()), equalTo(expected));
        for (ResultsFileName name : expected) {
            assertThat(name + " byte for byte", after.get(name), equalTo(all.get(name)));
        }
    }

    /**
     * One product's pages cross the archive boundary too, and a restart — from the index snapshot, which covers
     * only what is not archived, and without it — answers every page the same.
     */
    @Test
    void oneProductsPagesAndRestartsWithAndWithoutTheSnapshotAnswerTheSame() throws IOException {
        repriceUntilTwoSegmentsAreArchived();
        assertEveryProductsPages("after a move");

        service.close();
        service = RunningService.start(dataDir, SETTINGS);
        assertEveryProductsPages("after a restart with the index snapshot");

        service.close();
        try (Stream<Path> parts = Files.list(dataDir.resolve("index"))) {
            for (Path part : parts.toList()) {
                Files.delete(part);
            }
        }
        service = RunningService.start(dataDir, SETTINGS);
        assertEveryProductsPages("after a restart without the index snapshot");
    }

    /** Reprices until two segments are archived (each probe one reprice): history on both sides. */
    private void repriceUntilTwoSegmentsAreArchived() throws IOException {
        RunningService.eventually(SOON, () -> {
            Response response = service.reprice("p" + acknowledged.size() % 5, (acknowledged.size() + 1) + ".00");
            assertThat(response.toString(), response.status(), is(200));
            acknowledged.add(new String(response.body(), StandardCharsets.UTF_8));
            return archivedSegments().size();
        }, segments -> segments >= 2);
        assertThat("loose files remain after the archive", looseFiles(), is(greaterThan(0)));
    }

    private List<JsonObject> acknowledgedJson() {
        return acknowledged.stream().map(ack -> parse(ack.getBytes(StandardCharsets.UTF_8)).asJsonObject()).toList();
    }

    /** Every page of all products and of each product, 3 records a page, against the acknowledged records. */
    private void assertEveryProductsPages(String when) {
        List<JsonObject> expected = acknowledgedJson();
        assertRecords(when + ", all products", walk("/api/query?pagesize=3"), expected);
        for (int p = 0; p < 5; p++) {
            String product = "p" + p;
            assertRecords(when + ", " + product, walk("/api/query?pagesize=3&productId=" + product),
                          expected.stream().filter(ack -> ack.getString("productId").equals(product)).toList());
        }
    }

    private List<JsonObject> walk(String query) {
        List<JsonObject> queried = new ArrayList<>();
        for (int page = 1; ; page++) {
            Response response = service.get(query + "&pageNumber=" + page);
            assertThat(response.toString(), response.status(), is(200));
            parse(response.body()).asJsonArray().forEach(record -> queried.add(record.asJsonObject()));
            if (response.header("Link").isEmpty()) {
                return queried;
            }
        }
    }

    private static void assertRecords(String what, List<JsonObject> queried, List<JsonObject> acknowledged) {
        assertThat(what, queried.size(), is(acknowledged.size()));
        for (int i = 0; i < acknowledged.size(); i++) {
            JsonObject ack = acknowledged.get(i);
            JsonObject found = queried.get(i);
            assertThat(what, found.getString("productId"), is(ack.getString("productId")));
            assertThat(what, found.get("price"), equalTo(ack.get("newPrice")));
            assertThat(what, found.get("previousPrice"), equalTo(ack.get("previousPrice")));
            assertThat(what, found.get("timestamp"), equalTo(ack.get("timestamp")));
        }
    }

    private List<SegmentName> archivedSegments() {
        Path archive = dataDir.resolve("archive");
        try (Stream<Path> parts = Files.list(archive)) {
            return SegmentName.complete(parts.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        } catch (IOException e) {
            return List.of();
        }
    }

    private int looseFiles() throws IOException {
        try (Stream<Path> files = Files.list(service.resultsDir())) {
            return (int) files.count();
        }
    }

    private Map<ResultsFileName, byte[]> export(String pathAndQuery) throws IOException {
        return ResultsExport.files(service, pathAndQuery);
    }

    private static jakarta.json.JsonValue parse(byte[] body) {
        return ResultsExport.json(body);
    }
}
