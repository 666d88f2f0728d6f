package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Kubernetes objects the tests share: the production Deployment as manifests/ describes it, and pods. */
final class Fixtures {

    static final Instant NOW = Instant.parse("2026-11-27T18:13:07.250Z");

    private Fixtures() {
    }

    /** The production Deployment: one replica, the PVC at /tmp/repricer, probes on 9102, non-root, read-only. */
    static Deployment productionDeployment() {
        return new DeploymentBuilder()
                .withNewMetadata().withName("repricer").withLabels(Map.of("app.kubernetes.io/name", "repricer"))
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewStrategy().withType("Recreate").endStrategy()
                .withNewSelector().addToMatchLabels("app.kubernetes.io/name", "repricer")
                .addToMatchLabels("app.kubernetes.io/instance", "production").endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(Map.of("app.kubernetes.io/name", "repricer", "app.kubernetes.io/instance", "production"))
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName("repricer")
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(65532L).withFsGroup(65532L)
                .endSecurityContext()
                .addNewImagePullSecret("acr-pull")
                .withNodeSelector(Map.of("kubernetes.io/os", "linux"))
                .addNewInitContainer().withName("chown").withImage("busybox").endInitContainer()
                .addNewContainer()
                .withName("repricer")
                .withImage("repriceracr.azurecr.io/repricer:1.4.2")
                .addNewEnv().withName("REPRICER_DATA_DIR").withValue("/tmp/repricer").endEnv()
                .addNewEnv().withName("JAVA_TOOL_OPTIONS").withValue("-XX:MaxRAMPercentage=75").endEnv()
                .addNewPort().withName("http").withContainerPort(8080).endPort()
                .addNewPort().withName("admin").withContainerPort(9102).endPort()
                .withNewReadinessProbe().withNewHttpGet().withPath("/observe/health/ready").withNewPort(9102)
                .endHttpGet().endReadinessProbe()
                .withNewLivenessProbe().withNewHttpGet().withPath("/observe/health/live").withNewPort(9102)
                .endHttpGet().endLivenessProbe()
                .withNewResources().addToRequests("memory", new Quantity("512Mi"))
                .endResources()
                .withNewSecurityContext().withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .addNewVolumeMount().withName("data").withMountPath("/tmp/repricer").endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp/jvm").endVolumeMount()
                .addNewVolumeMount().withName("backup").withMountPath("/backup").endVolumeMount()
                .endContainer()
                .addNewContainer().withName("log-shipper").withImage("fluent-bit").endContainer()
                .addNewVolume().withName("data").withNewPersistentVolumeClaim("repricer-data", false).endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewVolume().withName("backup").withNewAzureFile().withShareName("backups")
                .withSecretName("azure").endAzureFile().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /** A debug pod as {@code start} makes it, created at {@code created}, expiring at {@code expiresAt}. */
    static Pod debugPod(String name, String owner, Instant created, Instant expiresAt) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withCreationTimestamp(created.toString())
                .withLabels(DebugPodSpec.labels(Owner.of(owner)))
                .withAnnotations(new HashMap<>(Map.of(KubeNames.EXPIRES_AT_ANNOTATION, expiresAt.toString())))
                .endMetadata()
                .withNewSpec().addNewContainer().withName("repricer").withImage("repricer:1").endContainer()
                .endSpec()
                .withNewStatus().withPhase("Running").endStatus()
                .build();
    }

    /** The production pod: same name label, no debug label. */
    static Pod productionPod(String name) {
        return new PodBuilder()
                .withNewMetadata().withName(name)
                .withLabels(Map.of("app.kubernetes.io/name", "repricer", "app.kubernetes.io/instance", "production"))
                .endMetadata()
                .withNewSpec().addNewContainer().withName("repricer").withImage("repricer:1").endContainer()
                .endSpec()
                .build();
    }
}
