package com.repricer.admin;

import com.repricer.storage.Ledger;
import io.helidon.webserver.http.HttpRouting;

/**
 * The export socket ({@code 127.0.0.1:9103} by default): {@code GET /debug/results}, the whole history, and nothing
 * else. Bound to loopback so that inside a pod only {@code kubectl port-forward} reaches it (which needs the
 * Kubernetes RBAC verb {@code create pods/portforward}), never another pod of the cluster; health, metrics and the
 * OpenAPI document stay on the admin socket, which the monitoring namespace may reach.
 */
public record ExportRouting(Ledger ledger) {

    public static final String SOCKET = "export";
    public static final String RESULTS_PATH = "/debug/results";

    public void register(HttpRouting.Builder routing) {
        routing.register(RESULTS_PATH, new ResultsExportService(ledger));
    }
}
