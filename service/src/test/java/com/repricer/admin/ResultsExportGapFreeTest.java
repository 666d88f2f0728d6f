package com.repricer.admin;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import com.repricer.storage.results.ResultsFileName;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * {@code GET /debug/results} while reprices run: every export is a gap-free prefix of the history, and a client
 * following {@code ?since=<the last name it got>} receives every file exactly once. (A directory listing is not
 * atomic against the renames that add files: it returned files N+10 without N.)
 */
class ResultsExportGapFreeTest {

    private static final Duration LOAD = Duration.ofSeconds(4);
    private static final int CLIENTS = 8;

    @TempDir
    Path dataDir;
    private RunningService service;

    @BeforeEach
    void start() throws IOException {
        // One-record files every millisecond or so: as many renames into results/ as the machine allows.
        service = RunningService.start(dataDir, Map.of("repricer.results.window", "PT0.001S",
                                                       "repricer.results.max-records", "1"));
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void everyExportUnderLoadIsAGapFreePrefixAndFollowingSinceMissesNothing() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong acknowledged = new AtomicLong();
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.submit(() -> {
                for (int i = 0; running.get(); i++) {
                    if (service.reprice("p" + client + "-" + i % 50, (i % 1000 + 1) + ".00").status() == 200) {
                        acknowledged.incrementAndGet();
                    }
                }
                return null;
            });
        }
        List<String> holes = new ArrayList<>();
        List<ResultsFileName> followed = new ArrayList<>();
        int exports = 0;
        long end = System.nanoTime() + LOAD.toNanos();
        try {
            while (System.nanoTime() < end) {
                List<ResultsFileName> all = export("/debug/results");
                exports++;
                String hole = firstHole(1, all);
                if (hole != null) {
                    holes.add(hole);
                }
                String since = followed.isEmpty() ? "" : "?since=" + followed.getLast();
                List<ResultsFileName> next = export("/debug/results" + since);
                String followHole = firstHole(followed.isEmpty() ? 1 : followed.getLast().lastSequence() + 1, next);
                if (followHole != null) {
                    holes.add("following since: " + followHole);
                }
                followed.addAll(next);
            }
        } finally {
            running.set(false);
            clients.shutdown();
        }
        assertThat(acknowledged.get(), greaterThan(0L));
        assertThat(exports + " exports under load, these had holes", holes, is(empty()));
    }

    @Test
    void aFileThatAppearsInResultsBehindTheLedgersBackIsNotExported() throws Exception {
        for (int i = 1; i <= 3; i++) {
            assertThat(service.reprice("p", i + ".00").status(), is(200));
        }
        RunningService.eventually(Duration.ofSeconds(10), service::resultsFiles, files -> files.size() == 3);
        ResultsFileName foreign = new ResultsFileName(100, 1_795_799_587_000_000_000L, 1);
        Files.writeString(service.resultsDir().resolve(foreign.toString()), "[\n]\n");

        List<ResultsFileName> all = export("/debug/results");
        assertThat(all.size(), is(3));
        assertThat(firstHole(1, all), is(nullValue()));
        assertThat(export("/debug/results?since=" + all.getLast()), is(empty()));
    }

    /** Why {@code files} does not continue the history at {@code expected} without gaps, or {@code null}. */
    private static String firstHole(long expected, List<ResultsFileName> files) {
        for (ResultsFileName file : files) {
            if (file.firstSequence() != expected) {
                return "expected a file starting at " + expected + ", got " + file;
            }
            expected = file.lastSequence() + 1;
        }
        return null;
    }

    private List<ResultsFileName> export(String pathAndQuery) throws IOException {
        Response response = service.exportGet(pathAndQuery);
        assertThat(response.toString(), response.status(), is(200));
        List<ResultsFileName> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(response.body()))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                names.add(ResultsFileName.parse(entry.getName()).orElseThrow());
            }
        }
        assertThat(response.header("X-Results-Files").orElse(""), is(Integer.toString(names.size())));
        return names;
    }
}
