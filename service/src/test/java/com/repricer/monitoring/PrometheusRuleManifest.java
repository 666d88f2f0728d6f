package com.repricer.monitoring;

import java.util.stream.Collectors;

/**
 * {@code manifests/monitoring/prometheusrule.yaml} as derived from {@code monitoring/repricer-alerts.yml}: a
 * PrometheusRule header, then the rules file's groups (its leading comment dropped, its comments inside kept)
 * indented under {@code spec}. The rules file is the one to edit; {@link AlertRulesTest} fails when the manifest is
 * not what this makes of it, and writes what it should be.
 */
final class PrometheusRuleManifest {

    static final String RULES_FILE = "monitoring/repricer-alerts.yml";
    static final String MANIFEST = "manifests/monitoring/prometheusrule.yaml";

    private static final String HEADER = """
            # Generated from monitoring/repricer-alerts.yml — edit that file, not this one. AlertRulesTest fails while
            # the two differ and writes this file as it should be to service/target/prometheusrule.yaml (copy it here).
            apiVersion: monitoring.coreos.com/v1
            kind: PrometheusRule
            metadata:
              name: repricer
              labels:
                app.kubernetes.io/name: repricer
            spec:
            """;

    private PrometheusRuleManifest() {
    }

    static String from(String rulesFile) {
        int groups = rulesFile.indexOf("\ngroups:");
        if (groups < 0) {
            throw new IllegalArgumentException("no top-level 'groups:' in the rules file");
        }
        String indented = rulesFile.substring(groups + 1).lines()
                                   .map(line -> line.isEmpty() ? line : "  " + line)
                                   .collect(Collectors.joining("\n", "", "\n"));
        return HEADER + indented;
    }
}
