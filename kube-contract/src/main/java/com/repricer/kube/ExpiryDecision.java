package com.repricer.kube;

import io.fabric8.kubernetes.api.model.Pod;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What becomes of one pod by its expiry: a pure function of the pod and the time ({@link #decide}). No client, no
 * clock: the reaper applies the decision, {@code debug-pod stop --all-expired} deletes exactly the pods it says
 * {@link Delete} to, and the tests enumerate it.
 */
public sealed interface ExpiryDecision {

    /** Not the reaper's business: no debug label, or already being deleted. Nothing is done or reported. */
    record Ignore(String reason) implements ExpiryDecision {
    }

    /** A debug pod without a valid expiry: left alone, and reported so that a person looks at it. */
    record Invalid(String reason) implements ExpiryDecision {
    }

    /** A debug pod that expires later: the reaper comes back at {@code expiresAt}. */
    record Keep(Instant expiresAt) implements ExpiryDecision {
    }

    /** A debug pod whose expiry has passed ({@code overdue} ago, zero or more): delete it. */
    record Delete(Instant expiredAt, Duration overdue) implements ExpiryDecision {
    }

    /**
     * Decides for one pod at {@code now}. A pod expires at its {@value KubeNames#EXPIRES_AT_ANNOTATION} instant
     * (read by {@link ExpiresAt#parse}): at that instant and after, it is deleted. Only pods labelled
     * {@value KubeNames#DEBUG_LABEL}={@value KubeNames#DEBUG_VALUE} are considered, whatever a selector let
     * through.
     */
    static ExpiryDecision decide(Pod pod, Instant now) {
        if (!DebugPodMetadata.isDebugPod(pod)) {
            return new Ignore("not a debug pod (no label " + KubeNames.DEBUG_SELECTOR + ")");
        }
        String deleting = pod.getMetadata().getDeletionTimestamp();
        if (deleting != null) {
            return new Ignore("already being deleted since " + deleting);
        }
        Optional<String> annotation = DebugPodMetadata.expiresAtAnnotation(pod);
        if (annotation.isEmpty()) {
            return new Invalid("no " + KubeNames.EXPIRES_AT_ANNOTATION + " annotation");
        }
        Optional<Instant> expiresAt = ExpiresAt.parse(annotation.get());
        if (expiresAt.isEmpty()) {
            return new Invalid(KubeNames.EXPIRES_AT_ANNOTATION + " is not an RFC 3339 date-time: '"
                               + annotation.get() + "'");
        }
        return now.isBefore(expiresAt.get()) ? new Keep(expiresAt.get())
                : new Delete(expiresAt.get(), Duration.between(expiresAt.get(), now));
    }

    /** Whether the pod is a debug pod to delete now. */
    static boolean isExpired(Pod pod, Instant now) {
        return decide(pod, now) instanceof Delete;
    }
}
