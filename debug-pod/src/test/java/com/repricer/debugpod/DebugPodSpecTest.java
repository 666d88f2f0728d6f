package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static com.repricer.debugpod.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

class DebugPodSpecTest {

    private static final Owner OWNER = Owner.of("Alice.Smith");
    private static final DebugPodSpec.Request REQUEST =
            new DebugPodSpec.Request("repricer-debug-alice-smith-b4x7q", OWNER, Optional.empty(), NOW,
                                     Duration.ofHours(2));

    private final Pod pod = DebugPodSpec.fromDeployment(Fixtures.productionDeployment(), REQUEST);

    @Test
    void dataIsAnEmptyDirAtTheDataPathAndNoClaimOrOtherStorageIsMounted() {
        PodSpec spec = pod.getSpec();
        Volume data = volume(spec, "data");
        assertThat(data.getEmptyDir(), notNullValue());
        assertThat(data.getEmptyDir().getSizeLimit(), is(DebugPodSpec.DATA_SIZE_LIMIT));
        assertThat(data.getPersistentVolumeClaim(), nullValue());
        assertThat(spec.getVolumes().stream().map(Volume::getPersistentVolumeClaim).toList(), everyItem(nullValue()));
        // the Azure file share is storage too: dropped with its mount; the template's scratch emptyDir stays
        assertThat(spec.getVolumes().stream().map(Volume::getName).toList(), containsInAnyOrder("data", "tmp"));
        Container container = spec.getContainers().getFirst();
        assertThat(container.getVolumeMounts().stream().map(m -> m.getName() + ":" + m.getMountPath()).toList(),
                   containsInAnyOrder("data:/tmp/repricer", "tmp:/tmp/jvm"));
        assertThat(env(container, "REPRICER_DATA_DIR"), is("/tmp/repricer"));
        assertThat(container.getEnv().stream().filter(e -> e.getName().equals("REPRICER_DATA_DIR")).count(), is(1L));
    }

    @Test
    void runsOnlyTheRepricerContainerFromTheDeploymentsImageWithItsSettings() {
        PodSpec spec = pod.getSpec();
        assertThat(spec.getContainers().stream().map(Container::getName).toList(), contains("repricer"));
        assertThat(spec.getInitContainers(), is(List.of()));
        Container container = spec.getContainers().getFirst();
        assertThat(container.getImage(), is("repriceracr.azurecr.io/repricer:1.4.2"));
        assertThat(env(container, "JAVA_TOOL_OPTIONS"), is("-XX:MaxRAMPercentage=75"));
        assertThat(container.getReadinessProbe().getHttpGet().getPath(), is("/observe/health/ready"));
        assertThat(container.getReadinessProbe().getHttpGet().getPort().getIntVal(), is(9102));
        assertThat(container.getPorts().stream().map(p -> p.getName() + "=" + p.getContainerPort()).toList(),
                   containsInAnyOrder("http=8080", "admin=9102"));
        assertThat(spec.getImagePullSecrets().getFirst().getName(), is("acr-pull"));
        assertThat(spec.getNodeSelector(), hasEntry("kubernetes.io/os", "linux"));
    }

    @Test
    void theExportPortIsNeverAContainerPortEvenIfTheDeploymentDeclaresOne() {
        Deployment declaring = Fixtures.productionDeployment();
        declaring.getSpec().getTemplate().getSpec().getContainers().getFirst().getPorts()
                 .add(new ContainerPortBuilder().withName("export").withContainerPort(KubeNames.EXPORT_PORT).build());
        for (Pod debug : List.of(DebugPodSpec.fromDeployment(declaring, REQUEST),
                                 DebugPodSpec.fromImage("repricer:dev", REQUEST))) {
            assertThat(debug.getSpec().getContainers().getFirst().getPorts().stream()
                            .map(p -> p.getName() + "=" + p.getContainerPort()).toList(),
                       containsInAnyOrder("http=8080", "admin=9102"));
        }
    }

    @Test
    void imageOptionReplacesTheDeploymentsImage() {
        Pod custom = DebugPodSpec.fromDeployment(Fixtures.productionDeployment(), new DebugPodSpec.Request(
                REQUEST.name(), OWNER, Optional.of("repriceracr.azurecr.io/repricer:pr-77"), NOW, Duration.ofHours(1)));
        assertThat(custom.getSpec().getContainers().getFirst().getImage(), is("repriceracr.azurecr.io/repricer:pr-77"));
    }

    @Test
    void securityContextIsTheDeploymentsNonRootReadOnly() {
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot(), is(true));
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser(), is(65532L));
        assertThat(pod.getSpec().getSecurityContext().getFsGroup(), is(65532L));
        SecurityContext container = pod.getSpec().getContainers().getFirst().getSecurityContext();
        assertThat(container.getReadOnlyRootFilesystem(), is(true));
        assertThat(container.getAllowPrivilegeEscalation(), is(false));
        assertThat(container.getCapabilities().getDrop(), contains("ALL"));
    }

    @Test
    void aLaxDeploymentIsTightened() {
        Deployment lax = Fixtures.productionDeployment();
        lax.getSpec().getTemplate().getSpec().setSecurityContext(null);
        Container repricer = lax.getSpec().getTemplate().getSpec().getContainers().getFirst();
        repricer.getSecurityContext().setReadOnlyRootFilesystem(false);
        repricer.getSecurityContext().setPrivileged(true);
        Pod tightened = DebugPodSpec.fromDeployment(lax, REQUEST);
        assertThat(tightened.getSpec().getSecurityContext().getRunAsNonRoot(), is(true));
        SecurityContext container = tightened.getSpec().getContainers().getFirst().getSecurityContext();
        assertThat(container.getReadOnlyRootFilesystem(), is(true));
        assertThat(container.getPrivileged(), is(false));
        assertThat(container.getRunAsNonRoot(), is(true));
    }

    @Test
    void labelsMarkADebugPodAndItsOwnerButNotTheProductionInstance() {
        assertThat(pod.getMetadata().getName(), is("repricer-debug-alice-smith-b4x7q"));
        assertThat(pod.getMetadata().getLabels(), hasEntry("app.kubernetes.io/name", "repricer"));
        assertThat(pod.getMetadata().getLabels(), hasEntry("repricer.io/debug", "true"));
        assertThat(pod.getMetadata().getLabels(), hasEntry("repricer.io/owner", "alice-smith"));
        assertThat(pod.getMetadata().getLabels(), hasEntry("app.kubernetes.io/managed-by", "repricer-debug"));
        // the template's labels are not copied: a Service selecting the production instance never picks it up
        assertThat(pod.getMetadata().getLabels().keySet(), not(hasItem("app.kubernetes.io/instance")));
    }

    @Test
    void expiryAnnotationAndDeadlineComeFromTheClockAndTtl() {
        assertThat(pod.getMetadata().getAnnotations(), aMapWithSize(1));
        assertThat(pod.getMetadata().getAnnotations(), hasEntry("repricer.io/expires-at", "2026-11-27T20:13:07Z"));
        assertThat(pod.getSpec().getActiveDeadlineSeconds(), is(7200L + 300L));
    }

    @Test
    void throwawaySettings() {
        PodSpec spec = pod.getSpec();
        assertThat(spec.getRestartPolicy(), is("Never"));
        assertThat(spec.getAutomountServiceAccountToken(), is(false));
        assertThat(spec.getServiceAccountName(), nullValue());
        assertThat(spec.getEnableServiceLinks(), is(false));
    }

    @Test
    void fromAnImageAloneTheDefaultsAreAsStrict() {
        Pod bare = DebugPodSpec.fromImage("repricer:dev", REQUEST);
        PodSpec spec = bare.getSpec();
        Container container = spec.getContainers().getFirst();
        assertThat(container.getImage(), is("repricer:dev"));
        assertThat(volume(spec, "data").getEmptyDir(), notNullValue());
        assertThat(spec.getVolumes().size(), is(1));
        assertThat(container.getVolumeMounts().stream().map(VolumeMount::getMountPath).toList(),
                   contains("/tmp/repricer"));
        assertThat(spec.getSecurityContext().getRunAsNonRoot(), is(true));
        assertThat(spec.getSecurityContext().getRunAsUser(), is(65532L));
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem(), is(true));
        assertThat(container.getReadinessProbe().getHttpGet().getPath(), is("/observe/health/ready"));
        assertThat(container.getLivenessProbe().getHttpGet().getPath(), is("/observe/health/live"));
        assertThat(bare.getMetadata().getLabels(), hasEntry("repricer.io/debug", "true"));
        assertThat(bare.getMetadata().getAnnotations(), hasEntry("repricer.io/expires-at", "2026-11-27T20:13:07Z"));
        assertThat(spec.getActiveDeadlineSeconds(), is(7500L));
    }

    @Test
    void podNamesAreOwnerAndFiveRandomCharactersOfKubernetesAlphabet() {
        String name = DebugPodSpec.podName(OWNER, new Random(7));
        assertThat(name, matchesPattern("repricer-debug-alice-smith-[bcdfghjklmnpqrstvwxz2456789]{5}"));
        assertThat(DebugPodSpec.podName(OWNER, new Random(7)), is(name));
    }

    private static Volume volume(PodSpec spec, String name) {
        return spec.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
                        .orElseThrow();
    }
}
