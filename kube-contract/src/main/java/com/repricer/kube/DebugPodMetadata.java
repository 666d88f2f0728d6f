package com.repricer.kube;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** What a pod's labels and annotations say about it as a debug pod; a pod without metadata says nothing. */
public final class DebugPodMetadata {

    private DebugPodMetadata() {
    }

    /** Labelled {@value KubeNames#DEBUG_LABEL}={@value KubeNames#DEBUG_VALUE}, exactly. */
    public static boolean isDebugPod(Pod pod) {
        return KubeNames.DEBUG_VALUE.equals(labels(pod).get(KubeNames.DEBUG_LABEL));
    }

    /** The {@value KubeNames#OWNER_LABEL} label. */
    public static Optional<String> owner(Pod pod) {
        return Optional.ofNullable(labels(pod).get(KubeNames.OWNER_LABEL));
    }

    /** The {@value KubeNames#EXPIRES_AT_ANNOTATION} annotation as written, valid or not. */
    public static Optional<String> expiresAtAnnotation(Pod pod) {
        ObjectMeta meta = pod.getMetadata();
        return meta == null || meta.getAnnotations() == null ? Optional.empty()
                : Optional.ofNullable(meta.getAnnotations().get(KubeNames.EXPIRES_AT_ANNOTATION));
    }

    /** The pod's expiry, if it carries a valid {@value KubeNames#EXPIRES_AT_ANNOTATION} ({@link ExpiresAt#parse}). */
    public static Optional<Instant> expiresAt(Pod pod) {
        return expiresAtAnnotation(pod).flatMap(ExpiresAt::parse);
    }

    private static Map<String, String> labels(Pod pod) {
        ObjectMeta meta = pod.getMetadata();
        return meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels();
    }
}
