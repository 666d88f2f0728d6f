package com.repricer.debugpod;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Where a starting pod stands, as a pure function of its status: still coming, ready, or never going to be. */
public record PodReadiness(State state, String detail) {

    public enum State {
        WAITING, READY, IMAGE_PULL_FAILED, FAILED;

        public boolean isFinal() {
            return this != WAITING;
        }
    }

    static final Set<String> IMAGE_PULL_FAILURES = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
                                                          "ErrImageNeverPull", "RegistryUnavailable");
    static final Set<String> START_FAILURES = Set.of("CrashLoopBackOff", "CreateContainerConfigError",
                                                     "CreateContainerError", "RunContainerError");

    public static PodReadiness of(Pod pod) {
        if (pod == null) {
            return new PodReadiness(State.FAILED, "the pod was deleted");
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return new PodReadiness(State.FAILED, "the pod is being deleted");
        }
        PodStatus status = pod.getStatus();
        if (status == null || status.getPhase() == null) {
            return new PodReadiness(State.WAITING, "Pending");
        }
        String phase = status.getPhase();
        List<ContainerStatus> containers = status.getContainerStatuses() == null ? List.of()
                                                                                 : status.getContainerStatuses();
        for (ContainerStatus container : containers) {
            ContainerStateWaiting waiting = container.getState() == null ? null : container.getState().getWaiting();
            if (waiting != null && IMAGE_PULL_FAILURES.contains(waiting.getReason())) {
                return new PodReadiness(State.IMAGE_PULL_FAILED,
                                        waiting.getReason() + ": " + orEmpty(waiting.getMessage()));
            }
            if (waiting != null && START_FAILURES.contains(waiting.getReason())) {
                return new PodReadiness(State.FAILED, waiting.getReason() + ": " + orEmpty(waiting.getMessage()));
            }
        }
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            String why = Optional.ofNullable(status.getReason()).map(r -> " (" + r + ")").orElse("");
            String terminated = containers.stream()
                                          .map(c -> c.getState() == null ? null : c.getState().getTerminated())
                                          .filter(t -> t != null)
                                          .findFirst()
                                          .map(PodReadiness::describe)
                                          .orElse(orEmpty(status.getMessage()));
            return new PodReadiness(State.FAILED, "the pod " + phase + why + ": " + terminated);
        }
        if (condition(status, "Ready").filter(c -> "True".equals(c.getStatus())).isPresent()) {
            return new PodReadiness(State.READY, phase);
        }
        String detail = containers.stream()
                                  .map(c -> c.getState() == null ? null : c.getState().getWaiting())
                                  .filter(w -> w != null && w.getReason() != null)
                                  .findFirst()
                                  .map(ContainerStateWaiting::getReason)
                                  .or(() -> condition(status, "PodScheduled")
                                          .filter(c -> "False".equals(c.getStatus()))
                                          .map(c -> c.getReason() + ": " + orEmpty(c.getMessage())))
                                  .orElse("Running".equals(phase) ? "not ready yet" : "");
        return new PodReadiness(State.WAITING, detail.isEmpty() ? phase : phase + ", " + detail);
    }

    private static Optional<PodCondition> condition(PodStatus status, String type) {
        return status.getConditions() == null ? Optional.empty()
                : status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static String describe(ContainerStateTerminated terminated) {
        return "container exited with " + terminated.getExitCode()
               + Optional.ofNullable(terminated.getReason()).map(r -> " (" + r + ")").orElse("")
               + Optional.ofNullable(terminated.getMessage()).map(m -> ": " + m).orElse("");
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    @Override
    public String toString() {
        return state + " " + detail;
    }
}
