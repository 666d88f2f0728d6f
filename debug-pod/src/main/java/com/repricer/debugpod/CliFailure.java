package com.repricer.debugpod;

/**
 * A failure the CLI reports in one clear message and a non-zero exit code, never as a stack trace.
 *
 * <p>The exit codes, documented in the README:
 * <ul>
 *   <li>{@value #FAILED} — anything else that failed (a pod that is not a debug pod, a local I/O error)</li>
 *   <li>2 — usage: an unknown option or a bad value (picocli's code)</li>
 *   <li>{@value #NO_CLUSTER} — no kubeconfig context, or the API server cannot be reached or rejects the
 *       credentials</li>
 *   <li>{@value #FORBIDDEN} — RBAC forbids a verb the command needs (the message names it)</li>
 *   <li>{@value #NOT_FOUND} — the pod or the Deployment does not exist</li>
 *   <li>{@value #IMAGE_PULL} — the debug pod's image cannot be pulled (the message quotes the pod's events)</li>
 *   <li>{@value #TIMEOUT} — the pod did not become ready in time</li>
 *   <li>{@value #RESULTS_INVALID} — collect: the export was cut short or a copied file is not valid</li>
 * </ul>
 */
public final class CliFailure extends RuntimeException {

    public static final int FAILED = 1;
    public static final int NO_CLUSTER = 3;
    public static final int FORBIDDEN = 4;
    public static final int NOT_FOUND = 5;
    public static final int IMAGE_PULL = 6;
    public static final int TIMEOUT = 7;
    public static final int RESULTS_INVALID = 8;

    private final int exitCode;

    public CliFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
