package com.repricer.operator;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test objects: a Deployment that passes the guard, its claim, debug pods. */
public final class Fixtures {

    public static final String NAMESPACE = "test";
    /** The tests' now, on a {@link MutableClock} or fixed. */
    public static final Instant NOW = Instant.parse("2026-11-27T20:13:07Z");
    public static final Map<String, String> SERVER_LABELS = Map.of(KubeNames.NAME_LABEL, KubeNames.NAME_VALUE,
                                                                    "app.kubernetes.io/component", "server");

    private Fixtures() {
    }

    /** A repricer Deployment that passes every check (with {@link #claim} beside it). */
    public static Deployment goodDeployment() {
        return new DeploymentBuilder()
                .withNewMetadata().withName(KubeNames.DEPLOYMENT).withNamespace(NAMESPACE)
                .withLabels(SERVER_LABELS).endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewStrategy().withType("Recreate").endStrategy()
                .withNewSelector().withMatchLabels(SERVER_LABELS).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(SERVER_LABELS).endMetadata()
                .withNewSpec()
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(65532L).withFsGroup(65532L)
                .endSecurityContext()
                .withContainers(new ContainerBuilder()
                                        .withName(KubeNames.CONTAINER)
                                        .withImage("repricer.azurecr.io/repricer:test")
                                        .addNewPort().withName(KubeNames.API_PORT_NAME)
                                        .withContainerPort(KubeNames.API_PORT).endPort()
                                        .addNewPort().withName(KubeNames.ADMIN_PORT_NAME)
                                        .withContainerPort(KubeNames.ADMIN_PORT).endPort()
                                        .addNewEnv().withName(KubeNames.DATA_DIR_ENV).withValue(KubeNames.DATA_PATH)
                                        .endEnv()
                                        .addNewVolumeMount().withName(KubeNames.DATA_VOLUME)
                                        .withMountPath(KubeNames.DATA_PATH).endVolumeMount()
                                        .withLivenessProbe(probe(KubeNames.LIVE_PATH))
                                        .withReadinessProbe(probe(KubeNames.READY_PATH))
                                        .withNewSecurityContext().withReadOnlyRootFilesystem(true)
                                        .withAllowPrivilegeEscalation(false).endSecurityContext()
                                        .build())
                .addNewVolume().withName(KubeNames.DATA_VOLUME)
                .withNewPersistentVolumeClaim().withClaimName(KubeNames.DATA_CLAIM).endPersistentVolumeClaim()
                .endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    public static Probe probe(String path) {
        return new ProbeBuilder().withNewHttpGet().withPath(path).withNewPort(KubeNames.ADMIN_PORT).endHttpGet()
                                 .build();
    }

    /** The data claim with these access modes. */
    public static PersistentVolumeClaim claim(String... accessModes) {
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(KubeNames.DATA_CLAIM).withNamespace(NAMESPACE).endMetadata()
                .withNewSpec().withAccessModes(List.of(accessModes)).withStorageClassName("managed-csi")
                .withNewResources().addToRequests("storage", new Quantity("32Gi")).endResources()
                .endSpec()
                .build();
    }

    /** A debug pod as debug-pod labels it; {@code expiresAt} null: no annotation. */
    public static Pod debugPod(String name, String expiresAt) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(KubeNames.NAME_LABEL, KubeNames.NAME_VALUE);
        labels.put(KubeNames.DEBUG_LABEL, KubeNames.DEBUG_VALUE);
        labels.put(KubeNames.OWNER_LABEL, "alice");
        PodBuilder pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).withLabels(labels).endMetadata()
                .withNewSpec()
                .addNewContainer().withName(KubeNames.CONTAINER).withImage("repricer.azurecr.io/repricer:test")
                .endContainer()
                .endSpec();
        if (expiresAt != null) {
            pod.editMetadata().addToAnnotations(KubeNames.EXPIRES_AT_ANNOTATION, expiresAt).endMetadata();
        }
        return pod.build();
    }

    public static Pod debugPod(String name, Instant expiresAt) {
        return debugPod(name, expiresAt.toString());
    }

    /** A pod without the debug label (but with an expired annotation: the label alone decides). */
    public static Pod plainPod(String name, Instant expiresAt) {
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE)
                .addToLabels(KubeNames.NAME_LABEL, KubeNames.NAME_VALUE)
                .addToAnnotations(KubeNames.EXPIRES_AT_ANNOTATION, expiresAt.toString())
                .endMetadata()
                .withNewSpec()
                .addNewContainer().withName("app").withImage("busybox").endContainer()
                .endSpec()
                .build();
    }
}
