package com.repricer.operator.reaper;

import com.repricer.operator.KubeNames;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * What the reaper does with one pod: a pure function of the pod and the time ({@link #decide}). No client, no
 * clock: the reaper applies the decision, the tests enumerate it.
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
     * (an RFC 3339 date-time with an offset; debug-pod writes UTC with {@code Z}): at that instant and after, it is
     * deleted. Only pods labelled {@value KubeNames#DEBUG_LABEL}={@value KubeNames#DEBUG_VALUE} are considered,
     * whatever the informer's selector let through.
     */
    static ExpiryDecision decide(Pod pod, Instant now) {
        ObjectMeta meta = pod.getMetadata();
        Map<String, String> labels = meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels();
        if (!KubeNames.DEBUG_VALUE.equals(labels.get(KubeNames.DEBUG_LABEL))) {
            return new Ignore("not a debug pod (no label " + KubeNames.DEBUG_LABEL + "=" + KubeNames.DEBUG_VALUE + ")");
        }
        if (meta.getDeletionTimestamp() != null) {
            return new Ignore("already being deleted since " + meta.getDeletionTimestamp());
        }
        String annotation = meta.getAnnotations() == null ? null
                : meta.getAnnotations().get(KubeNames.EXPIRES_AT_ANNOTATION);
        if (annotation == null) {
            return new Invalid("no " + KubeNames.EXPIRES_AT_ANNOTATION + " annotation");
        }
        Instant expiresAt;
        try {
            expiresAt = OffsetDateTime.parse(annotation.strip()).toInstant();
        } catch (DateTimeParseException e) {
            return new Invalid(KubeNames.EXPIRES_AT_ANNOTATION + " is not an RFC 3339 date-time: '" + annotation + "'");
        }
        return now.isBefore(expiresAt) ? new Keep(expiresAt)
                : new Delete(expiresAt, Duration.between(expiresAt, now));
    }
}
