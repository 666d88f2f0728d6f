package com.repricer.kube;

/**
 * The Kubernetes names the repricer's tools share with each other and with {@code manifests/}: the production
 * Deployment's names, ports and paths, and the labels and annotation that mark a debug pod. {@code debug-pod} writes
 * them, {@code operator-tools} (the reaper, the guard) reads them; both take them from here.
 * {@code docs/kubernetes-contract.md} describes them for users.
 */
public final class KubeNames {

    /** The production Deployment, and its one container. */
    public static final String DEPLOYMENT = "repricer";
    public static final String CONTAINER = "repricer";
    /** The production data volume, the claim behind it, and where the service keeps its data. */
    public static final String DATA_VOLUME = "data";
    public static final String DATA_CLAIM = "repricer-data";
    /**
     * On the repricer Deployment, {@code "true"} declares its data disposable (a dev cluster): the guard then accepts
     * an {@code emptyDir} at the data directory. Every other invariant still holds.
     */
    public static final String EPHEMERAL_DATA_ANNOTATION = "repricer.io/ephemeral-data";
    public static final String DATA_PATH = "/tmp/repricer";
    /** The service reads its data directory from this variable ({@value #DATA_PATH} when unset). */
    public static final String DATA_DIR_ENV = "REPRICER_DATA_DIR";

    public static final String API_PORT_NAME = "http";
    public static final int API_PORT = 8080;
    /** Health and metrics; not exposed by the Service. */
    public static final String ADMIN_PORT_NAME = "admin";
    public static final int ADMIN_PORT = 9102;
    public static final String LIVE_PATH = "/observe/health/live";
    public static final String READY_PATH = "/observe/health/ready";
    /**
     * The results export's own port ({@value #RESULTS_EXPORT_PATH}): the service binds it to {@code 127.0.0.1} in
     * the pod, so only a port-forward reaches it ({@code repricer-debug collect} forwards it). Never a
     * {@code containerPort}: the guard reports one, and {@code repricer-debug start} drops one.
     */
    public static final int EXPORT_PORT = 9103;
    /** The service reads the export port from this variable ({@value #EXPORT_PORT} when unset; 0: any free port). */
    public static final String EXPORT_PORT_ENV = "REPRICER_EXPORT_PORT";
    /** The tar export of the complete results files ({@code ?since=<file name>} for the files after one). */
    public static final String RESULTS_EXPORT_PATH = "/debug/results";

    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String NAME_VALUE = "repricer";
    /** {@code "true"} on every debug pod: what {@code list}, {@code stop} and the reaper select on. */
    public static final String DEBUG_LABEL = "repricer.io/debug";
    public static final String DEBUG_VALUE = "true";
    /** The label selector of every debug pod. */
    public static final String DEBUG_SELECTOR = DEBUG_LABEL + "=" + DEBUG_VALUE;
    /** Who started the debug pod ({@code $USER} or {@code --owner}), sanitised to a label value. */
    public static final String OWNER_LABEL = "repricer.io/owner";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "repricer-debug";
    /** The instant after which the reaper deletes the debug pod; its format is {@link ExpiresAt}'s. */
    public static final String EXPIRES_AT_ANNOTATION = "repricer.io/expires-at";

    /** Debug pods are named {@code repricer-debug-<owner>-<5 random characters>}. */
    public static final String POD_NAME_PREFIX = "repricer-debug-";

    private KubeNames() {
    }
}
