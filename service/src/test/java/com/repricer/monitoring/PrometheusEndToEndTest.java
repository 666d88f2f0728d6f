package com.repricer.monitoring;

import com.repricer.RunningService;
import com.repricer.fixtures.RepositoryFiles;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.repricer.RunningService.eventually;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * A real Prometheus scrapes the running service every second and evaluates {@code monitoring/repricer-alerts.yml};
 * PromQL over what it scraped counts the reprices this test made, and the same server parses every expression of
 * the Grafana dashboard. Skipped without Debian's {@code prometheus} package (failed instead when {@code CI} is set).
 */
class PrometheusEndToEndTest {

    static final String DASHBOARD = "monitoring/repricer-dashboard.json";
    /**
     * Metrics the alerts and the dashboard use that the service does not export (docs/monitoring.md, "External
     * metrics"): the kubelet's volume statistics and kube-state-metrics' restarts.
     */
    static final Set<String> EXTERNAL_METRICS = Set.of("kubelet_volume_stats_available_bytes",
                                                       "kubelet_volume_stats_capacity_bytes",
                                                       "kubelet_volume_stats_inodes_free",
                                                       "kubelet_volume_stats_inodes",
                                                       "kube_pod_container_status_restarts_total");
    /** Grafana's variables in the dashboard's expressions, replaced by what Grafana would put there. */
    private static final Map<String, String> GRAFANA_VARIABLES = Map.of("$__rate_interval", "1m", "$namespace", ".*");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");
    private static final String REPRICES_STORED = "repricer_requests_total{endpoint=\"reprice\", status=\"200\"}";
    private static final int REPRICES = 25;
    /** A bound, not a wait: Prometheus scrapes and evaluates every second. */
    private static final Duration SCRAPED = Duration.ofSeconds(30);

    @TempDir
    static Path temp;
    private static RunningService service;
    private static PrometheusServer prometheus;

    @BeforeAll
    static void start() throws IOException {
        PrometheusTools.require("prometheus");
        service = RunningService.start(Files.createDirectory(temp.resolve("data")));
        prometheus = PrometheusServer.start(Files.createDirectory(temp.resolve("prometheus")), service.admin().getPort(),
                                            List.of(RepositoryFiles.root().resolve(PrometheusRuleManifest.RULES_FILE)));
        eventually(SCRAPED, () -> results(prometheus.query("repricer_storage_ready")).size(), series -> series == 1);
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void aPromQlQueryOverTheScrapedDataCountsExactlyTheRepricesMade() {
        double before = value(REPRICES_STORED);
        double recordsBefore = value("repricer_log_records_total");

        for (int i = 0; i < REPRICES; i++) {
            assertThat(service.reprice("p" + i % 4, "4." + i).status(), is(200));
        }

        double after = eventually(SCRAPED, () -> value(REPRICES_STORED), count -> count >= before + REPRICES);
        assertThat("reprices counted by Prometheus", after - before, is((double) REPRICES));
        double records = eventually(SCRAPED, () -> value("repricer_log_records_total"),
                                    count -> count >= recordsBefore + REPRICES);
        assertThat("records stored, as Prometheus saw them", records - recordsBefore, is((double) REPRICES));
    }

    @Test
    void theAlertRulesLoadAndEvaluateCleanlyAgainstTheRealSeries() {
        JsonArray groups = eventually(SCRAPED, () -> prometheus.api("/api/v1/rules").getJsonObject("data")
                                                              .getJsonArray("groups"),
                                      all -> !all.isEmpty() && rules(all).stream()
                                                                         .noneMatch(r -> r.getString("health").equals("unknown")));

        List<String> unhealthy = rules(groups).stream().filter(r -> !r.getString("health").equals("ok"))
                                              .map(r -> r.getString("name") + ": " + r.getString("lastError", ""))
                                              .toList();
        assertThat(unhealthy, is(empty()));
        assertThat(rules(groups).size(), is(AlertRulesTest.alerts(
                AlertRulesTest.yaml(RepositoryFiles.read(PrometheusRuleManifest.RULES_FILE))).size()));
        // A healthy, ready service with no kubelet or kube-state-metrics series: nothing pending, nothing firing —
        // once the rules have been evaluated after the first scrape (before it, RepricerMetricsAbsent is pending).
        eventually(SCRAPED, () -> prometheus.api("/api/v1/alerts").getJsonObject("data").getJsonArray("alerts"),
                   JsonArray::isEmpty);
    }

    @Test
    void everyDashboardExpressionParsesAndUsesOnlyKnownMetrics() throws IOException {
        JsonObject dashboard;
        try (JsonReader reader = Json.createReader(new StringReader(RepositoryFiles.read(DASHBOARD)))) {
            dashboard = reader.readObject();
        }
        List<String> expressions = new ArrayList<>();
        collectExpressions(dashboard.getJsonArray("panels"), expressions);
        assertThat(expressions, is(not(empty())));

        Map<String, String> unparsed = new TreeMap<>();
        Set<String> used = new TreeSet<>();
        for (String expression : expressions) {
            String promQl = withGrafanaVariables(expression);
            JsonObject answer = prometheus.query(promQl);
            if (!answer.getString("status").equals("success")) {
                unparsed.put(promQl, answer.getString("error", answer.toString()));
            }
            used.addAll(PromQlMetricNames.of(promQl));
        }
        for (JsonObject variable : dashboard.getJsonObject("templating").getJsonArray("list")
                                            .getValuesAs(JsonObject.class)) {
            Matcher metric = LABEL_VALUES.matcher(variable.getString("definition", ""));
            if (metric.find()) {
                used.add(metric.group(1));
            }
        }

        assertThat("PromQL Prometheus rejects", unparsed, is(Map.of()));
        assertThat("metrics neither the service exports nor named as external", unknown(used), is(empty()));
        // The panels the issue asks for: throughput, latency percentiles, 503s, fsync, queue and lag, disk.
        assertThat(used, hasItems("repricer_log_records_total", "repricer_request_duration_seconds_bucket",
                                  "repricer_rejections_total", "repricer_log_fsync_seconds_bucket",
                                  "repricer_write_queue_depth", "repricer_results_pending_records",
                                  "kubelet_volume_stats_available_bytes", "kubelet_volume_stats_inodes_free"));
    }

    @Test
    void everyAlertUsesOnlyKnownMetrics() {
        Set<String> used = new TreeSet<>();
        AlertRulesTest.alerts(AlertRulesTest.yaml(RepositoryFiles.read(PrometheusRuleManifest.RULES_FILE)))
                      .forEach(alert -> used.addAll(PromQlMetricNames.of((String) alert.get("expr"))));

        assertThat(unknown(used), is(empty()));
    }

    /** The check above can fail: Prometheus answers bad PromQL with an error, and unknown names are caught. */
    @Test
    void badPromQlAndUnknownMetricsAreCaught() {
        JsonObject answer = prometheus.query("sum(rate(repricer_log_records_total[1m])");

        assertThat(answer.toString(), answer.getString("status"), is("error"));
        assertThat(unknown(Set.of("repricer_log_records", "repricer_log_records_total")),
                   is(Set.of("repricer_log_records")));
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Names in {@code used} that are neither scraped from the service nor named in {@link #EXTERNAL_METRICS}. */
    private static Set<String> unknown(Set<String> used) {
        Set<String> exported = new TreeSet<>();
        prometheus.api("/api/v1/label/__name__/values?match[]=%7Bjob%3D%22" + PrometheusServer.JOB + "%22%7D")
                  .getJsonArray("data").getValuesAs(JsonString.class).forEach(name -> exported.add(name.getString()));
        // Prometheus' own per-target series are no metrics of the service.
        exported.removeIf(name -> name.equals("up") || name.startsWith("scrape_"));
        Set<String> unknown = new TreeSet<>(used);
        unknown.removeAll(exported);
        unknown.removeAll(EXTERNAL_METRICS);
        return unknown;
    }

    private static String withGrafanaVariables(String expression) {
        String promQl = expression;
        for (Map.Entry<String, String> variable : GRAFANA_VARIABLES.entrySet()) {
            promQl = promQl.replace(variable.getKey(), variable.getValue());
        }
        if (promQl.contains("$")) {
            throw new AssertionError("a Grafana variable this test does not know: " + expression);
        }
        return promQl;
    }

    /** Every target's {@code expr}, also of panels inside collapsed rows. */
    private static void collectExpressions(JsonArray panels, List<String> expressions) {
        for (JsonObject panel : panels.getValuesAs(JsonObject.class)) {
            if (panel.containsKey("targets")) {
                panel.getJsonArray("targets").getValuesAs(JsonObject.class).stream()
                     .filter(target -> target.containsKey("expr"))
                     .forEach(target -> expressions.add(target.getString("expr")));
            }
            if (panel.containsKey("panels")) {
                collectExpressions(panel.getJsonArray("panels"), expressions);
            }
        }
    }

    private static List<JsonObject> rules(JsonArray groups) {
        return groups.getValuesAs(JsonObject.class).stream()
                     .flatMap(group -> group.getJsonArray("rules").getValuesAs(JsonObject.class).stream()).toList();
    }

    /** The value of the one series {@code promQl} selects. */
    private static double value(String promQl) {
        List<JsonObject> series = results(prometheus.query(promQl));
        if (series.size() != 1) {
            throw new AssertionError("expected one series for " + promQl + ", got " + series);
        }
        return Double.parseDouble(series.getFirst().getJsonArray("value").getString(1));
    }

    private static List<JsonObject> results(JsonObject answer) {
        if (!answer.getString("status").equals("success")) {
            throw new AssertionError("query failed: " + answer + "\nprometheus log:\n" + prometheus.log());
        }
        JsonValue result = answer.getJsonObject("data").get("result");
        return result.asJsonArray().getValuesAs(JsonObject.class);
    }
}
