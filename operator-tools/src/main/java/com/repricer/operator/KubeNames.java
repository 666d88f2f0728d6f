package com.repricer.operator;

/**
 * The Kubernetes names the repricer's tools share with each other and with {@code manifests/}: the production
 * Deployment's names and ports, and the labels and annotation that mark a debug pod. {@code debug-pod}
 * ({@code com.repricer.debugpod.DebugPodLabels}) uses the same strings; the two modules share nothing else, so keep
 * both in step.
 */
public final class KubeNames {

    /** The production Deployment, and its one container. */
    public static final String DEPLOYMENT = "repricer";
    public static final String CONTAINER = "repricer";
    /** The production data volume, the claim behind it, and where the service keeps its data. */
    public static final String DATA_VOLUME = "data";
    public static final String DATA_CLAIM = "repricer-data";
    public static final String DATA_PATH = "/tmp/repricer";
    /** The service reads its data directory from this variable ({@value #DATA_PATH} when unset). */
    public static final String DATA_DIR_ENV = "REPRICER_DATA_DIR";

    public static final String API_PORT_NAME = "http";
    public static final int API_PORT = 8080;
    /** Health, metrics and the results export; not exposed by the Service. */
    public static final String ADMIN_PORT_NAME = "admin";
    public static final int ADMIN_PORT = 9102;
    public static final String LIVE_PATH = "/observe/health/live";
    public static final String READY_PATH = "/observe/health/ready";

    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String NAME_VALUE = "repricer";
    /** {@code "true"} on every debug pod: what the reaper's informer selects on. */
    public static final String DEBUG_LABEL = "repricer.io/debug";
    public static final String DEBUG_VALUE = "true";
    /** Who started the debug pod. */
    public static final String OWNER_LABEL = "repricer.io/owner";
    /** RFC 3339 instant ({@code 2026-11-27T20:13:07Z}) after which the reaper deletes the debug pod. */
    public static final String EXPIRES_AT_ANNOTATION = "repricer.io/expires-at";

    /** The component name operator-tools reports Kubernetes Events under. */
    public static final String OPERATOR_COMPONENT = "repricer-operator";

    private KubeNames() {
    }
}
