package com.repricer.operator.guard;

/**
 * One way the repricer Deployment breaks the single-instance invariants: a {@link Kind} (its name, and whether
 * {@code guard --fix} may repair it) and a message saying what was found and why it matters.
 */
public record Violation(Kind kind, String message) {

    /** The checks, in the order they are reported. Only replicas and strategy are safe to patch. */
    public enum Kind {
        /** More than one replica: two writers on one volume. */
        REPLICAS("replicas"),
        /** Not {@code Recreate}: a rolling update starts the new pod while the old one holds the volume. */
        STRATEGY("strategy"),
        /** No container named {@code repricer}: the other container checks cannot run. */
        CONTAINER_MISSING("container-missing"),
        /** Nothing writable mounted at the data directory. */
        DATA_MOUNT("data-mount"),
        /** The data directory's volume is not a PersistentVolumeClaim (emptyDir, hostPath, …). */
        DATA_VOLUME("data-volume"),
        /** The claim the data volume names does not exist. */
        CLAIM_MISSING("claim-missing"),
        /** The claim is not ReadWriteOnce (or ReadWriteOncePod). */
        CLAIM_ACCESS_MODE("claim-access-mode"),
        /** Another Deployment, StatefulSet, DaemonSet, Job, CronJob or pod mounts the same claim. */
        CLAIM_SHARED("claim-shared"),
        LIVENESS_PROBE("liveness-probe"),
        READINESS_PROBE("readiness-probe"),
        RUN_AS_NON_ROOT("run-as-non-root"),
        READ_ONLY_ROOT_FILESYSTEM("read-only-root-filesystem"),
        /** A containerPort for the results export, which the service binds to the pod's loopback only. */
        EXPORT_PORT_EXPOSED("export-port-exposed");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** Whether {@code guard --fix} may patch it: the one place that says which kinds are fixable. */
        public boolean fixable() {
            return this == REPLICAS || this == STRATEGY;
        }
    }

    /** The violation's stable name ({@code replicas}, {@code claim-shared}, …). */
    public String name() {
        return kind.id();
    }

    /** Whether {@code guard --fix} repairs it. */
    public boolean fixable() {
        return kind.fixable();
    }

    @Override
    public String toString() {
        return name() + (fixable() ? " (fixable)" : "") + ": " + message;
    }
}
