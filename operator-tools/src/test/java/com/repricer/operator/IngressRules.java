package com.repricer.operator;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.nullValue;

/**
 * Kubernetes' ingress semantics of NetworkPolicies, for the selectors {@code manifests/} uses (matchLabels; peers by
 * pod and namespace selector): may a pod in a given namespace open a TCP connection to a port of the target pod?
 * A pod that no policy selects admits everything; once one selects it, only what some rule of some selecting policy
 * admits. A rule without ports admits every port, a rule without peers every source.
 *
 * @param policies        the NetworkPolicies of the target's namespace
 * @param targetLabels    the target pod's labels
 * @param targetPorts     its container ports (named ports in a rule resolve against them)
 * @param targetNamespace the namespace of the policies and the target
 */
record IngressRules(List<NetworkPolicy> policies, Map<String, String> targetLabels, List<ContainerPort> targetPorts,
                    String targetNamespace) {

    /** A client pod: its labels, its namespace and that namespace's labels. */
    record Source(Map<String, String> podLabels, String namespace, Map<String, String> namespaceLabels) {

        /** A pod in a namespace carrying the label the API server sets on every namespace, plus {@code labels}. */
        static Source inNamespace(String namespace, Map<String, String> labels) {
            Map<String, String> all = new java.util.HashMap<>(labels);
            all.put("kubernetes.io/metadata.name", namespace);
            return new Source(Map.of("app", "client"), namespace, Map.copyOf(all));
        }
    }

    boolean admits(Source source, int port) {
        List<NetworkPolicy> selecting = policies.stream().filter(this::selectsTarget).toList();
        if (selecting.isEmpty()) {
            return true;
        }
        return selecting.stream()
                        .flatMap(p -> Objects.requireNonNullElse(p.getSpec().getIngress(),
                                                                 List.<NetworkPolicyIngressRule>of()).stream())
                        .anyMatch(rule -> admitsPort(rule, port) && admitsSource(rule, source));
    }

    private boolean selectsTarget(NetworkPolicy policy) {
        List<String> types = policy.getSpec().getPolicyTypes();
        boolean ingress = types == null || types.isEmpty() || types.contains("Ingress");
        return ingress && matches(policy.getSpec().getPodSelector(), targetLabels);
    }

    private boolean admitsPort(NetworkPolicyIngressRule rule, int port) {
        if (rule.getPorts() == null || rule.getPorts().isEmpty()) {
            return true;
        }
        for (NetworkPolicyPort allowed : rule.getPorts()) {
            if (!Objects.requireNonNullElse(allowed.getProtocol(), "TCP").equals("TCP")) {
                continue;
            }
            if (allowed.getPort() == null) {
                return true;  // every port of the protocol
            }
            Integer first = resolve(allowed.getPort());
            int last = allowed.getEndPort() != null ? allowed.getEndPort() : first == null ? -1 : first;
            if (first != null && port >= first && port <= last) {
                return true;
            }
        }
        return false;
    }

    private boolean admitsSource(NetworkPolicyIngressRule rule, Source source) {
        if (rule.getFrom() == null || rule.getFrom().isEmpty()) {
            return true;
        }
        for (NetworkPolicyPeer peer : rule.getFrom()) {
            assertThat("ipBlock peers are not evaluated here", peer.getIpBlock(), nullValue());
            boolean namespaceMatches = peer.getNamespaceSelector() == null
                    ? source.namespace().equals(targetNamespace)
                    : matches(peer.getNamespaceSelector(), source.namespaceLabels());
            boolean podMatches = peer.getPodSelector() == null || matches(peer.getPodSelector(), source.podLabels());
            if (namespaceMatches && podMatches) {
                return true;
            }
        }
        return false;
    }

    private Integer resolve(IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return targetPorts.stream().filter(p -> port.getStrVal().equals(p.getName()))
                          .map(ContainerPort::getContainerPort).findFirst().orElse(null);
    }

    /** Whether {@code selector} selects {@code labels}; an empty selector selects everything. */
    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        assertThat("matchExpressions are not evaluated here", selector.getMatchExpressions() == null
                                                              ? List.of() : selector.getMatchExpressions(), empty());
        Map<String, String> required = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        return required.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    @Override
    public String toString() {
        return policies.stream().map(p -> p.getMetadata().getName()).toList() + " on " + targetLabels;
    }
}
