package com.repricer.debugpod;

import io.fabric8.kubernetes.api.model.Pod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Decisions about debug pods, as pure functions: which pod is one, whose, expired, and how {@code list} shows it. */
public final class DebugPods {

    private static final Comparator<Pod> BY_CREATION =
            Comparator.comparing(DebugPods::created, Comparator.nullsFirst(Comparator.naturalOrder()));

    private DebugPods() {
    }

    public static boolean isDebugPod(Pod pod) {
        return DebugPodLabels.DEBUG_VALUE.equals(label(pod, DebugPodLabels.DEBUG_LABEL));
    }

    public static boolean isOwnedBy(Pod pod, Owner owner) {
        return owner.value().equals(label(pod, DebugPodLabels.OWNER_LABEL));
    }

    public static List<Pod> ownedBy(List<Pod> pods, Owner owner) {
        return pods.stream().filter(DebugPods::isDebugPod).filter(p -> isOwnedBy(p, owner)).sorted(BY_CREATION)
                   .toList();
    }

    public static List<Pod> expired(List<Pod> pods, Instant now) {
        return pods.stream().filter(DebugPods::isDebugPod).filter(p -> Expiry.isExpired(p, now)).sorted(BY_CREATION)
                   .toList();
    }

    /** The most recently created of the pods. */
    public static Optional<Pod> newest(List<Pod> pods) {
        return pods.stream().max(BY_CREATION);
    }

    /** One line of {@code list}. */
    public record Row(String name, String owner, String age, String expires, String phase) {

        static final List<String> HEADERS = List.of("NAME", "OWNER", "AGE", "EXPIRES", "PHASE");

        List<String> cells() {
            return List.of(name, owner, age, expires, phase);
        }
    }

    public static Row row(Pod pod, Instant now) {
        String age = Optional.ofNullable(created(pod)).map(c -> Expiry.human(Duration.between(c, now))).orElse("?");
        String expires = Expiry.of(pod).map(expiry -> expiry.isAfter(now)
                                                      ? "in " + Expiry.human(Duration.between(now, expiry))
                                                      : "expired " + Expiry.human(Duration.between(expiry, now))
                                                        + " ago")
                               .orElse("-");
        String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending"
                                                                                     : pod.getStatus().getPhase();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            phase = "Terminating";
        } else if ("Running".equals(phase) && PodReadiness.of(pod).state() != PodReadiness.State.READY) {
            phase = "Running (not ready)";
        }
        String owner = Optional.ofNullable(label(pod, DebugPodLabels.OWNER_LABEL)).orElse("-");
        return new Row(pod.getMetadata().getName(), owner, age, expires, phase);
    }

    /** The rows as a table with aligned columns, oldest pod first, like {@code kubectl get}. */
    public static String table(List<Pod> pods, Instant now) {
        List<List<String>> lines = new ArrayList<>();
        lines.add(Row.HEADERS);
        pods.stream().sorted(BY_CREATION).map(p -> row(p, now).cells()).forEach(lines::add);
        int[] widths = new int[Row.HEADERS.size()];
        for (List<String> line : lines) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> line : lines) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                text.append(i == widths.length - 1 ? line.get(i) : String.format("%-" + (widths[i] + 3) + "s",
                                                                                  line.get(i)));
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static Instant created(Pod pod) {
        String created = pod.getMetadata().getCreationTimestamp();
        return created == null ? null : Instant.parse(created);
    }

    private static String label(Pod pod, String key) {
        Map<String, String> labels = pod.getMetadata() == null ? null : pod.getMetadata().getLabels();
        return labels == null ? null : labels.get(key);
    }
}
