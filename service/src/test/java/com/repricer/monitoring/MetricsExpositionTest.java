package com.repricer.monitoring;

import com.repricer.fixtures.ExternalCommand;
import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import com.repricer.storage.fs.FaultyStorageFiles;
import com.repricer.storage.fs.FaultyStorageFiles.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static com.repricer.RunningService.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.blankString;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * The admin port's {@code /observe/metrics} as Prometheus' own linter reads it (issue 14, item 12), and the
 * metrics the alerts of {@code monitoring/repricer-alerts.yml} are built on.
 */
class MetricsExpositionTest {

    private static final int REPRICES = 20;
    /** A bound, not a wait: a results file appears within the window (1 s) and the writer retries each second. */
    private static final Duration SOON = Duration.ofSeconds(15);

    @TempDir
    Path dataDir;

    @Test
    void promtoolAcceptsTheExpositionAfterReprices() throws IOException {
        PrometheusTools.require("promtool");
        try (RunningService service = RunningService.start(dataDir)) {
            for (int i = 0; i < REPRICES; i++) {
                assertThat(service.reprice("p" + i % 3, "1." + i).status(), is(200));
            }
            Response metrics = service.adminGet("/observe/metrics");
            assertThat(metrics.status(), is(200));

            ExternalCommand.Outcome lint = PrometheusTools.promtool(dataDir, metrics.body(), "check", "metrics");

            assertThat(lint.toString(), lint.exitCode(), is(0));
            assertThat(lint.toString(), lint.output(), is(blankString()));
        }
    }

    @Test
    void fsyncLatencyIsAHistogramWithBucketsAndNoQuantiles() throws IOException {
        try (RunningService service = RunningService.start(dataDir)) {
            assertThat(service.reprice("p", "1").status(), is(200));

            String metrics = scrape(service);

            assertThat(metrics, containsString("# TYPE repricer_log_fsync_seconds histogram"));
            assertThat(metrics, containsString("repricer_log_fsync_seconds_bucket{scope=\"application\",le=\"0.1\",}"));
            assertThat(metrics, containsString("repricer_log_fsync_seconds_bucket{scope=\"application\",le=\"+Inf\",} 1.0"));
            // Client-side quantiles cannot be aggregated or taken over another window: buckets only.
            assertThat(metrics, not(containsString("quantile=")));
        }
    }

    @Test
    void storageMetricsAreThereFromTheFirstScrape() throws IOException {
        try (RunningService service = RunningService.start(dataDir)) {
            String metrics = scrape(service);

            assertThat(value(metrics, "repricer_storage_ready"), is(1.0));
            assertThat(value(metrics, "repricer_write_queue_capacity"), is(8192.0));
            assertThat(value(metrics, "repricer_log_records_total"), is(0.0));
            assertThat(value(metrics, "repricer_results_pending_records"), is(0.0));
            assertThat(value(metrics, "repricer_archive_segments"), is(0.0));
            assertThat(value(metrics, "repricer_archive_bytes"), is(0.0));
            assertThat(value(metrics, "repricer_archive_lag_seconds"), is(0.0));
            assertThat(value(metrics, "repricer_archive_failures_total"), is(0.0));
            assertThat(value(metrics, "repricer_results_loose_files"), is(0.0));
        }
    }

    @Test
    void logRecordsCountEveryRepriceAndPendingReturnsToZeroOnceFiled() throws IOException {
        try (RunningService service = RunningService.start(dataDir)) {
            for (int i = 0; i < REPRICES; i++) {
                assertThat(service.reprice("p" + i % 3, "2." + i).status(), is(200));
            }
            assertThat(service.post("/api/reprice", "{}").status(), is(400));

            assertThat(value(scrape(service), "repricer_log_records_total"), is((double) REPRICES));
            eventually(SOON, () -> value(scrape(service), "repricer_results_pending_records"), pending -> pending == 0);
            assertThat(value(scrape(service), "repricer_records_written_total"), is((double) REPRICES));
        }
    }

    @Test
    void requestDurationsAreAHistogramPerEndpoint() throws IOException {
        try (RunningService service = RunningService.start(dataDir)) {
            String before = scrape(service);
            assertThat(value(before, "repricer_request_duration_seconds_count", "endpoint=\"query\","), is(0.0));

            for (int i = 0; i < REPRICES; i++) {
                assertThat(service.reprice("p", "3." + i).status(), is(200));
            }
            assertThat(service.get("/api/product/p/price").status(), is(200));

            // Recorded once the response is out, hence "eventually".
            eventually(SOON, () -> value(scrape(service), "repricer_request_duration_seconds_count",
                                         "endpoint=\"reprice\","), count -> count == REPRICES);
            String after = scrape(service);
            assertThat(after, containsString("# TYPE repricer_request_duration_seconds histogram"));
            assertThat(after, containsString("repricer_request_duration_seconds_bucket{endpoint=\"reprice\","
                                             + "scope=\"application\",le=\"+Inf\",} " + (double) REPRICES));
            assertThat(value(after, "repricer_request_duration_seconds_count", "endpoint=\"product\","), is(1.0));
            assertThat(value(after, "repricer_request_duration_seconds_sum", "endpoint=\"reprice\","),
                       is(greaterThan(0.0)));
        }
    }

    @Test
    void aResultsWriterThatCannotRenameIsNotReadyWithRecordsPending() throws IOException {
        FaultyStorageFiles files = new FaultyStorageFiles(dataDir);
        try (RunningService service = RunningService.start(dataDir, Map.of("repricer.results.window", "PT0.05S"),
                                                           files)) {
            files.arm(Fault.RENAME);
            assertThat(service.reprice("p", "1").status(), is(200)); // durable in the log; its file cannot be renamed

            eventually(SOON, () -> value(scrape(service), "repricer_storage_ready"), ready -> ready == 0);
            assertThat(value(scrape(service), "repricer_results_pending_records"), is(greaterThan(0.0)));
            assertThat(files.injected(Fault.RENAME), is(greaterThan(0)));

            files.disarm(Fault.RENAME);
            eventually(SOON, () -> value(scrape(service), "repricer_storage_ready"), ready -> ready == 1);
            eventually(SOON, () -> value(scrape(service), "repricer_results_pending_records"), pending -> pending == 0);
        }
    }

    private static String scrape(RunningService service) {
        Response response = service.adminGet("/observe/metrics");
        assertThat(response.toString(), response.status(), is(200));
        return response.text();
    }

    /** The value of {@code name}'s one sample, a meter without labels of its own (only Helidon's scope). */
    private static double value(String metrics, String name) {
        return value(metrics, name, "");
    }

    /** The value of {@code name}'s sample with {@code labels} (as exposed: {@code endpoint="reprice",}) and scope. */
    private static double value(String metrics, String name, String labels) {
        String prefix = name + "{" + labels + "scope=\"application\",} ";
        return metrics.lines().filter(line -> line.startsWith(prefix)).findFirst()
                      .map(line -> Double.parseDouble(line.substring(prefix.length())))
                      .orElseThrow(() -> new AssertionError(name + " not in\n" + metrics));
    }
}
