package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;

/**
 * A results file truncated behind the service's back, in the middle of a history that the index snapshot lets a
 * start skip reading: the service still starts, but it never serves the range it cannot read. A query over it
 * answers 500 problem+json naming the records (it used to be a bare "internal error"), readiness turns down naming
 * the file, and the export refuses rather than ship the file (it used to ship invalid JSON).
 */
class DamagedResultsApiTest {

    private static final Map<String, String> ONE_RECORD_FILES = Map.of("repricer.results.window", "PT0.001S",
                                                                       "repricer.results.max-records", "1");
    private static final int RECORDS = 30;

    @TempDir
    Path dataDir;
    private RunningService service;

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    /** A history of one-record files, shut down cleanly (the snapshot covers them all), then one file truncated. */
    private Path historyWithATruncatedFile() throws IOException {
        service = RunningService.start(dataDir, ONE_RECORD_FILES);
        for (int i = 1; i <= RECORDS; i++) {
            assertThat(service.reprice("p" + i % 3, i + ".50").status(), is(200));
        }
        service.close();
        List<Path> files;
        try (Stream<Path> listing = Files.list(dataDir.resolve("results"))) {
            files = listing.sorted().toList();
        }
        Path damaged = files.get(files.size() / 2);
        byte[] bytes = Files.readAllBytes(damaged);
        Files.write(damaged, Arrays.copyOf(bytes, bytes.length - 7));
        service = RunningService.start(dataDir, ONE_RECORD_FILES);
        return damaged;
    }

    @Test
    void aQueryOverTheDamagedRangeIsA500NamingTheRecordsAndReadinessGoesDown() throws IOException {
        Path damaged = historyWithATruncatedFile();

        Response query = service.get("/api/query?pagesize=1000");

        String detail = query.assertProblem(500).getString("detail");
        assertThat(detail, containsString("cannot be read: their results file is damaged"));
        Response ready = service.adminGet("/observe/health/ready");
        assertThat(ready.status(), is(503));
        assertThat(new String(ready.body(), StandardCharsets.UTF_8), containsString(damaged.getFileName().toString()));
        Response export = service.exportGet("/debug/results");
        assertThat(export.assertProblem(500).getString("detail"), is(detail));
        assertThat("the last price is still served", service.get("/api/product/p1/price").status(), is(200));
    }

    @Test
    void anExportThatMeetsTheDamageFirstNeverDeliversTheFileNorAWholeArchive() throws IOException {
        Path damaged = historyWithATruncatedFile();

        List<String> names = new ArrayList<>();
        boolean complete;
        try {
            Response export = service.exportGet("/debug/results");
            complete = readTar(export.body(), names);
        } catch (UncheckedIOException e) {
            complete = false; // the connection closed in the middle of the archive
        }

        assertThat("an unfinished archive", complete, is(false));
        assertThat(names, not(hasItem(damaged.getFileName().toString())));
        assertThat(service.adminGet("/observe/health/ready").status(), is(503));
        service.exportGet("/debug/results").assertProblem(500);
    }

    /** @return whether the archive was read to its end-of-archive marker */
    private static boolean readTar(byte[] body, List<String> names) {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(body))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                names.add(entry.getName());
                in.readAllBytes();
            }
            return body.length % 512 == 0 && body.length >= 1024
                   && Arrays.equals(Arrays.copyOfRange(body, body.length - 1024, body.length), new byte[1024]);
        } catch (IOException e) {
            return false;
        }
    }
}
