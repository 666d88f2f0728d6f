package com.repricer.debugpod;

import com.repricer.kube.DebugPodMetadata;
import com.repricer.kube.ExpiryDecision;
import com.repricer.kube.HumanDuration;
import io.fabric8.kubernetes.api.model.Pod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Decisions about debug pods, as pure functions: which pod is one, whose, expired, and how {@code list} shows it. */
public final class DebugPods {

    private static final Comparator<Pod> BY_CREATION =
            Comparator.comparing(DebugPods::created, Comparator.nullsFirst(Comparator.naturalOrder()));

    private DebugPods() {
    }

    public static boolean isDebugPod(Pod pod) {
        return DebugPodMetadata.isDebugPod(pod);
    }

    public static boolean isOwnedBy(Pod pod, Owner owner) {
        return DebugPodMetadata.owner(pod).equals(Optional.of(owner.value()));
    }

    public static List<Pod> ownedBy(List<Pod> pods, Owner owner) {
        return pods.stream().filter(DebugPods::isDebugPod).filter(p -> isOwnedBy(p, owner)).sorted(BY_CREATION)
                   .toList();
    }

    /** The pods the reaper would delete at {@code now} ({@link ExpiryDecision}): {@code stop --all-expired}. */
    public static List<Pod> expired(List<Pod> pods, Instant now) {
        return pods.stream().filter(p -> ExpiryDecision.isExpired(p, now)).sorted(BY_CREATION).toList();
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
        String age = Optional.ofNullable(created(pod)).map(c -> HumanDuration.format(Duration.between(c, now)))
                             .orElse("?");
        String expires = DebugPodMetadata.expiresAt(pod)
                                         .map(expiry -> expiry.isAfter(now)
                                                        ? "in " + HumanDuration.format(Duration.between(now, expiry))
                                                        : "expired " + HumanDuration.format(Duration.between(expiry, now))
                                                          + " ago")
                                         .orElse("-");
        String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending"
                                                                                     : pod.getStatus().getPhase();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            phase = "Terminating";
        } else if ("Running".equals(phase) && PodReadiness.of(pod).state() != PodReadiness.State.READY) {
            phase = "Running (not ready)";
        }
        String owner = DebugPodMetadata.owner(pod).orElse("-");
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
}
