package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Replaces {@code kubectl delete pod POD} for debug pods: one by name, all of one owner's, or all whose
 * {@code repricer.io/expires-at} has passed. It deletes only pods labelled {@code repricer.io/debug=true}: asked
 * for any other pod (the production one, say) it refuses, whatever RBAC would allow.
 */
public record StopDebugPods(KubernetesClient client, String namespace, Clock clock) {

    /**
     * Deletes the named debug pod; returns its name.
     *
     * @throws CliFailure {@link CliFailure#NOT_FOUND} if there is no such pod, {@link CliFailure#FAILED} if it is
     *                    not a debug pod
     */
    public List<String> byName(String name) {
        Pod pod = Optional.ofNullable(KubernetesFailures.call(
                                  "get", "pods", namespace,
                                  () -> client.pods().inNamespace(namespace).withName(name).get()))
                          .orElseThrow(() -> new CliFailure(CliFailure.NOT_FOUND, "no pod " + name + " in namespace "
                                                                                  + namespace));
        if (!DebugPods.isDebugPod(pod)) {
            throw new CliFailure(CliFailure.FAILED, "pod " + name + " is not a debug pod (it lacks the label "
                                                    + KubeNames.DEBUG_SELECTOR + "): not deleting it");
        }
        return delete(List.of(pod));
    }

    /** Deletes every debug pod of {@code owner}; returns their names (none: an empty list). */
    public List<String> mine(Owner owner) {
        return delete(DebugPods.ownedBy(debugPods(), owner));
    }

    /** Deletes every debug pod whose expiry has passed by the clock; returns their names. */
    public List<String> expired() {
        return delete(DebugPods.expired(debugPods(), clock.instant()));
    }

    private List<Pod> debugPods() {
        return new ListDebugPods(client, namespace).list(Optional.empty());
    }

    private List<String> delete(List<Pod> pods) {
        for (Pod pod : pods) {
            KubernetesFailures.run("delete", "pods", namespace,
                                   () -> client.pods().inNamespace(namespace).resource(pod).delete());
        }
        return pods.stream().map(p -> p.getMetadata().getName()).toList();
    }
}
