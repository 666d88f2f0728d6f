package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Optional;

/**
 * Replaces {@code kubectl get pods -l repricer.io/debug=true -L repricer.io/owner}: the debug pods in the
 * namespace (optionally one owner's), oldest first; {@link DebugPods#table} shows them with age, expiry and phase.
 */
public final class ListDebugPods {

    private final KubernetesClient client;
    private final String namespace;

    public ListDebugPods(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    public List<Pod> list(Optional<Owner> owner) {
        List<Pod> pods = KubernetesFailures.call(
                "list", "pods", namespace,
                () -> client.pods().inNamespace(namespace)
                            .withLabel(KubeNames.DEBUG_LABEL, KubeNames.DEBUG_VALUE)
                            .list().getItems());
        List<Pod> debugPods = pods.stream().filter(DebugPods::isDebugPod).toList();
        return owner.map(o -> DebugPods.ownedBy(debugPods, o)).orElse(debugPods);
    }
}
