package com.repricer.debugpod;

/**
 * The Kubernetes names the repricer's tools share: the production Deployment's names and ports, and the labels
 * and annotation that mark a debug pod. {@code operator-tools} (the reaper, the guard) uses the same strings; keep
 * both in step.
 */
public final class DebugPodLabels {

    /** The production Deployment, and its one container. */
    public static final String DEPLOYMENT = "repricer";
    public static final String CONTAINER = "repricer";
    /** The production data volume (from the claim below) and where the service keeps its data. */
    public static final String DATA_VOLUME = "data";
    public static final String DATA_CLAIM = "repricer-data";
    public static final String DATA_PATH = "/tmp/repricer";
    public static final String DATA_DIR_ENV = "REPRICER_DATA_DIR";

    public static final String API_PORT_NAME = "http";
    public static final int API_PORT = 8080;
    /** Health, metrics and the results export; not exposed by the Service. */
    public static final String ADMIN_PORT_NAME = "admin";
    public static final int ADMIN_PORT = 9102;
    public static final String LIVE_PATH = "/observe/health/live";
    public static final String READY_PATH = "/observe/health/ready";
    public static final String RESULTS_EXPORT_PATH = "/debug/results";

    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String NAME_VALUE = "repricer";
    /** {@code "true"} on every debug pod: what {@code list}, {@code stop} and the reaper select on. */
    public static final String DEBUG_LABEL = "repricer.io/debug";
    public static final String DEBUG_VALUE = "true";
    /** Who started the debug pod ({@code $USER} or {@code --owner}), sanitised to a label value. */
    public static final String OWNER_LABEL = "repricer.io/owner";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "repricer-debug";
    /** RFC 3339 UTC instant ({@code 2026-11-27T20:13:07Z}) after which the reaper deletes the pod. */
    public static final String EXPIRES_AT_ANNOTATION = "repricer.io/expires-at";

    /** Debug pods are named {@code repricer-debug-<owner>-<5 random characters>}. */
    public static final String POD_NAME_PREFIX = "repricer-debug-";

    /** The label selector of every debug pod. */
    public static final String DEBUG_SELECTOR = DEBUG_LABEL + "=" + DEBUG_VALUE;

    private DebugPodLabels() {
    }
}
