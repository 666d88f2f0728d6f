package com.repricer.operator.guard;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Replaces {@code kubectl get deployment,statefulset,pod,pvc} read with a checklist in hand, and
 * {@code kubectl patch deployment repricer --type=merge -p …}: fetches the Deployment and its neighbours, runs
 * {@link DeploymentChecks#check}, and applies {@link SafeFix} on request.
 *
 * <p>API calls (and so the RBAC it needs): get and list {@code deployments}, list {@code statefulsets} and
 * {@code pods}, get the data {@code persistentvolumeclaim}; {@code patch} on the Deployment for a fix.
 */
public record Guard(KubernetesClient client, String namespace, String deploymentName) {

    /** The Deployment as found, and what is wrong with it. */
    public record Report(Deployment deployment, List<Violation> violations) {

        public List<Violation> fixable() {
            return violations.stream().filter(Violation::fixable).toList();
        }

        public String target() {
            return "deployment " + deployment.getMetadata().getNamespace() + "/" + deployment.getMetadata().getName();
        }

        /** A headline and one line per violation, as {@code guard} prints them. */
        public List<String> lines() {
            List<String> lines = new ArrayList<>();
            if (violations.isEmpty()) {
                lines.add(target() + ": ok, no violations");
                return lines;
            }
            lines.add(target() + ": " + violations.size() + (violations.size() == 1 ? " violation" : " violations")
                      + " (" + fixable().size() + " fixable with --fix)");
            violations.forEach(v -> lines.add("  " + v));
            return lines;
        }
    }

    /** Checks the Deployment as it is now; empty if there is no such Deployment. */
    public Optional<Report> inspect() {
        Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(deploymentName).get();
        if (deployment == null) {
            return Optional.empty();
        }
        List<HasMetadata> neighbours = new ArrayList<>();
        neighbours.addAll(client.apps().deployments().inNamespace(namespace).list().getItems());
        neighbours.addAll(client.apps().statefulSets().inNamespace(namespace).list().getItems());
        neighbours.addAll(client.pods().inNamespace(namespace).list().getItems());
        DeploymentChecks.dataClaim(deployment).ifPresent(claimName -> {
            PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(namespace).withName(claimName)
                                                .get();
            if (claim != null) {
                neighbours.add(claim);
            }
        });
        return Optional.of(new Report(deployment, DeploymentChecks.check(deployment, neighbours)));
    }

    /** Patches what is safe to patch; returns the violations it repaired (empty: nothing was patched). */
    public List<Violation> fix(Report report) {
        Optional<String> patch = SafeFix.mergePatch(report.violations());
        if (patch.isEmpty()) {
            return List.of();
        }
        client.apps().deployments().inNamespace(namespace).withName(deploymentName)
              .patch(PatchContext.of(PatchType.JSON_MERGE), patch.get());
        return report.fixable();
    }
}
