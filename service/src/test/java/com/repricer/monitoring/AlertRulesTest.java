package com.repricer.monitoring;

import com.repricer.fixtures.ExternalCommand;
import com.repricer.fixtures.RepositoryFiles;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.oneOf;

/**
 * {@code monitoring/repricer-alerts.yml} checked by promtool (syntax, PromQL, templates; the unit tests in
 * {@code repricer-alerts.test.yml}), plus what promtool cannot know: that every alert is unit-tested both firing and
 * quiet, has a runbook section in {@code docs/monitoring.md}, and that the PrometheusRule manifest carries exactly
 * these groups.
 */
class AlertRulesTest {

    static final String UNIT_TESTS = "monitoring/repricer-alerts.test.yml";
    private static final String DOCS = "docs/monitoring.md";
    private static final Pattern SERIES = Pattern.compile("^\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(?:\\{(.*)})?\\s*$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]\\w*)\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Path root = RepositoryFiles.root();
    private final Map<String, Object> rules = yaml(RepositoryFiles.read(PrometheusRuleManifest.RULES_FILE));

    @Test
    void promtoolChecksTheRules() {
        ExternalCommand.Outcome check = PrometheusTools.promtool(root, new byte[0], "check", "rules",
                                                                 PrometheusRuleManifest.RULES_FILE);

        assertThat(check.toString(), check.exitCode(), is(0));
        assertThat(check.toString(), check.output(), containsString("SUCCESS: " + alerts(rules).size() + " rules found"));
    }

    @Test
    void promtoolUnitTestsPass() {
        ExternalCommand.Outcome test = PrometheusTools.promtool(root, new byte[0], "test", "rules", UNIT_TESTS);

        assertThat(test.toString(), test.exitCode(), is(0));
        assertThat(test.toString(), test.output(), containsString("SUCCESS"));
    }

    /**
     * Firing: an {@code alert_rule_test} expecting the alert. Quiet: one expecting none, or, beside a firing one, an
     * input series of a metric the alert reads whose labels match none of the expected alerts.
     */
    @Test
    void everyAlertIsUnitTestedFiringAndQuiet() {
        Map<String, Object> unitTests = yaml(RepositoryFiles.read(UNIT_TESTS));
        List<String> untested = new ArrayList<>();
        for (Map<String, Object> alert : alerts(rules)) {
            String name = (String) alert.get("alert");
            Set<String> metrics = PromQlMetricNames.of((String) alert.get("expr"));
            boolean fires = false;
            boolean quiet = false;
            for (Map<String, Object> group : list(unitTests.get("tests"))) {
                List<Map<String, String>> series = list(group.get("input_series")).stream()
                        .map(s -> labels((String) s.get("series"))).filter(s -> metrics.contains(s.get("__name__")))
                        .toList();
                for (Map<String, Object> check : list(group.get("alert_rule_test"))) {
                    if (!name.equals(check.get("alertname"))) {
                        continue;
                    }
                    List<Map<String, Object>> expected = list(check.get("exp_alerts"));
                    if (expected.isEmpty()) {
                        quiet = true;
                        continue;
                    }
                    fires = true;
                    quiet |= series.stream().anyMatch(s -> expected.stream().noneMatch(e -> sharedLabelsAgree(
                            s, map(e.get("exp_labels")))));
                }
            }
            if (!fires || !quiet) {
                untested.add(name + (fires ? "" : " never fires") + (quiet ? "" : " never stays quiet"));
            }
        }

        assertThat("in " + UNIT_TESTS, untested, is(empty()));
    }

    @Test
    void everyAlertHasASeverityAndARunbookSection() throws IOException {
        String docs = Files.readString(root.resolve(DOCS), StandardCharsets.UTF_8);
        for (Map<String, Object> alert : alerts(rules)) {
            String name = (String) alert.get("alert");
            assertThat(name, map(alert.get("labels")).get("severity"), is(oneOf("critical", "warning")));
            assertThat(name, map(alert.get("annotations")).get("runbook"),
                       is(DOCS + "#" + name.toLowerCase(Locale.ROOT)));
            assertThat(DOCS + " has a section per alert", docs, containsString("\n### " + name + "\n"));
        }
    }

    @Test
    void thePrometheusRuleManifestIsTheRulesFile() throws IOException {
        String expected = PrometheusRuleManifest.from(RepositoryFiles.read(PrometheusRuleManifest.RULES_FILE));
        Path manifest = root.resolve(PrometheusRuleManifest.MANIFEST);
        String actual = Files.exists(manifest) ? Files.readString(manifest, StandardCharsets.UTF_8) : "";
        if (!actual.equals(expected)) {
            Path regenerated = Path.of("target", "prometheusrule.yaml").toAbsolutePath();
            Files.writeString(regenerated, expected, StandardCharsets.UTF_8);
            throw new AssertionError(PrometheusRuleManifest.MANIFEST + " differs from "
                                     + PrometheusRuleManifest.RULES_FILE + "; the expected file is written: cp "
                                     + regenerated + " " + manifest);
        }
        Map<String, Object> parsed = yaml(actual);

        assertThat(parsed.get("kind"), is("PrometheusRule"));
        assertThat(map(parsed.get("spec")).get("groups"), is(rules.get("groups")));
    }

    @Test
    void kustomizeBuildsThePrometheusRule() {
        Path kubectl = PrometheusTools.optional("kubectl");

        ExternalCommand.Outcome build = PrometheusTools.run(kubectl, root, new byte[0], "kustomize",
                                                            "manifests/monitoring");

        assertThat(build.toString(), build.exitCode(), is(0));
        Map<String, Object> built = yaml(build.out());
        assertThat(built.get("kind"), is("PrometheusRule"));
        assertThat(map(built.get("spec")).get("groups"), is(rules.get("groups")));
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The alerting rules of a rules file, in order. */
    static List<Map<String, Object>> alerts(Map<String, Object> rulesFile) {
        return list(rulesFile.get("groups")).stream().flatMap(g -> list(g.get("rules")).stream())
                                            .filter(r -> r.containsKey("alert")).toList();
    }

    /** A promtool input series ({@code name{label="value", …}}) as labels, the name under {@code __name__}. */
    private static Map<String, String> labels(String series) {
        Matcher m = SERIES.matcher(series);
        if (!m.matches()) {
            throw new AssertionError("not a series: " + series);
        }
        Map<String, String> labels = new HashMap<>();
        labels.put("__name__", m.group(1));
        if (m.group(2) != null) {
            Matcher label = LABEL.matcher(m.group(2));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
        }
        return labels;
    }

    private static boolean sharedLabelsAgree(Map<String, String> series, Map<String, Object> alertLabels) {
        return alertLabels.entrySet().stream().allMatch(label -> !series.containsKey(label.getKey())
                                                                 || series.get(label.getKey())
                                                                          .equals(String.valueOf(label.getValue())));
    }

    static Map<String, Object> yaml(String text) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return value == null ? List.of() : (List<Map<String, Object>>) value;
    }
}
