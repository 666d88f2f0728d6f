package com.repricer.operator.guard;

import com.repricer.kube.KubeNames;
import com.repricer.operator.Fixtures;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

class DeploymentChecksTest {

    private static final List<HasMetadata> CLAIM_RWO = List.of(Fixtures.claim("ReadWriteOnce"));

    @Test
    void goodDeploymentPasses() {
        assertThat(DeploymentChecks.check(Fixtures.goodDeployment(), CLAIM_RWO), is(empty()));
    }

    @Test
    void unsetReplicasMeanOneAndZeroIsFine() {
        assertThat(check(d -> edit(d).editSpec().withReplicas(null).endSpec().build()), is(empty()));
        assertThat(check(d -> edit(d).editSpec().withReplicas(0).endSpec().build()), is(empty()));
    }

    @Test
    void namedAdminPortIsResolved() {
        assertThat(check(d -> withContainer(d, c -> c.withLivenessProbe(
                new ProbeBuilder().withNewHttpGet().withPath(KubeNames.LIVE_PATH)
                                  .withPort(new IntOrString(KubeNames.ADMIN_PORT_NAME)).endHttpGet().build())
                                                     .build())), is(empty()));
    }

    @Test
    void readWriteOncePodIsAlsoASingleWriter() {
        assertThat(DeploymentChecks.check(Fixtures.goodDeployment(), List.of(Fixtures.claim("ReadWriteOncePod"))),
                   is(empty()));
    }

    @Test
    void anEmptyDirIsAcceptedOnlyWhereTheDeploymentDeclaresItsDataEphemeral() {
        UnaryOperator<Deployment> emptyDir =
                d -> edit(d).editSpec().editTemplate().editSpec()
                            .withVolumes(List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder()
                                                         .withName(KubeNames.DATA_VOLUME).withNewEmptyDir()
                                                         .endEmptyDir().build()))
                            .endSpec().endTemplate().endSpec().build();
        UnaryOperator<Deployment> declared =
                d -> edit(d).editMetadata().addToAnnotations(KubeNames.EPHEMERAL_DATA_ANNOTATION, "true")
                            .endMetadata().build();

        assertThat(check(d -> declared.apply(emptyDir.apply(d))), is(empty()));
        assertThat(check(d -> edit(declared.apply(emptyDir.apply(d))).editMetadata()
                                      .addToAnnotations(KubeNames.EPHEMERAL_DATA_ANNOTATION, "yes").endMetadata()
                                      .build()).stream().map(v -> v.kind().name()).toList(),
                   is(List.of("DATA_VOLUME")));
        // Declaring data ephemeral accepts an emptyDir only, never a host path on the node.
        assertThat(check(d -> declared.apply(edit(d).editSpec().editTemplate().editSpec()
                                      .withVolumes(List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder()
                                                                   .withName(KubeNames.DATA_VOLUME).withNewHostPath()
                                                                   .withPath("/var/repricer").endHostPath().build()))
                                      .endSpec().endTemplate().endSpec().build())).stream()
                           .map(v -> v.kind().name()).toList(),
                   is(List.of("DATA_VOLUME")));
    }

    /** Each bad Deployment breaks exactly one invariant, and is reported under that name. */
    static Stream<Arguments> badDeployments() {
        return Stream.of(
                bad("replicas", true, "spec.replicas is 2",
                    d -> edit(d).editSpec().withReplicas(2).endSpec().build()),
                bad("strategy", true, "spec.strategy.type is RollingUpdate",
                    d -> edit(d).editSpec().editStrategy().withType("RollingUpdate").endStrategy().endSpec().build()),
                bad("strategy", true, "spec.strategy.type is RollingUpdate",
                    d -> edit(d).editSpec().withStrategy(null).endSpec().build()),
                bad("data-mount", false, "mounts no volume at its data directory /tmp/repricer",
                    d -> withContainer(d, c -> c.withVolumeMounts(List.of()).build())),
                bad("data-mount", false, "mounts no volume at its data directory /data",
                    d -> withContainer(d, c -> c.editMatchingEnv(e -> e.getName().equals(KubeNames.DATA_DIR_ENV))
                                                .withValue("/data").endEnv().build())),
                bad("data-mount", false, "is mounted read-only",
                    d -> withContainer(d, c -> c.editFirstVolumeMount().withReadOnly(true).endVolumeMount().build())),
                bad("data-volume", false, "is an emptyDir, not a PersistentVolumeClaim",
                    d -> edit(d).editSpec().editTemplate().editSpec()
                                .withVolumes(List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder()
                                                             .withName(KubeNames.DATA_VOLUME).withNewEmptyDir()
                                                             .endEmptyDir().build()))
                                .endSpec().endTemplate().endSpec().build()),
                bad("claim-missing", false, "PersistentVolumeClaim other-claim (volume data) does not exist",
                    d -> edit(d).editSpec().editTemplate().editSpec().editFirstVolume().editPersistentVolumeClaim()
                                .withClaimName("other-claim").endPersistentVolumeClaim().endVolume().endSpec()
                                .endTemplate().endSpec().build()),
                bad("liveness-probe", false, "but there is none",
                    d -> withContainer(d, c -> c.withLivenessProbe(null).build())),
                bad("liveness-probe", false, "but it probes port 8080",
                    d -> withContainer(d, c -> c.withLivenessProbe(
                            new ProbeBuilder().withNewHttpGet().withPath(KubeNames.LIVE_PATH)
                                              .withNewPort(KubeNames.API_PORT).endHttpGet().build()).build())),
                bad("liveness-probe", false, "but it probes /observe/health/ready",
                    d -> withContainer(d, c -> c.withLivenessProbe(Fixtures.probe(KubeNames.READY_PATH)).build())),
                bad("readiness-probe", false, "but it is a TCP probe",
                    d -> withContainer(d, c -> c.withReadinessProbe(
                            new ProbeBuilder().withNewTcpSocket().withNewPort(KubeNames.ADMIN_PORT).endTcpSocket()
                                              .build()).build())),
                bad("readiness-probe", false, "its port metrics is no port of the container",
                    d -> withContainer(d, c -> c.withReadinessProbe(
                            new ProbeBuilder().withNewHttpGet().withPath(KubeNames.READY_PATH)
                                              .withPort(new IntOrString("metrics")).endHttpGet().build()).build())),
                bad("run-as-non-root", false, "runAsNonRoot is not set",
                    d -> edit(d).editSpec().editTemplate().editSpec().editSecurityContext().withRunAsNonRoot(null)
                                .endSecurityContext().endSpec().endTemplate().endSpec().build()),
                bad("run-as-non-root", false, "runAsNonRoot is false",
                    d -> withContainer(d, c -> c.editSecurityContext().withRunAsNonRoot(false).endSecurityContext()
                                                .build())),
                bad("run-as-non-root", false, "runAsUser is 0",
                    d -> withContainer(d, c -> c.editSecurityContext().withRunAsUser(0L).endSecurityContext()
                                                .build())),
                bad("read-only-root-filesystem", false, "readOnlyRootFilesystem",
                    d -> withContainer(d, c -> c.editSecurityContext().withReadOnlyRootFilesystem(false)
                                                .endSecurityContext().build())),
                bad("export-port-exposed", false, "declares containerPort 9103 (export)",
                    d -> withContainer(d, c -> c.addNewPort().withName("export")
                                                .withContainerPort(KubeNames.EXPORT_PORT).endPort().build())),
                bad("container-missing", false, "no container named repricer",
                    d -> withContainer(d, c -> c.withName("app").build())));
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("badDeployments")
    void eachBadDeploymentHasItsOneViolation(String name, boolean fixable, String message,
                                             UnaryOperator<Deployment> breakIt) {
        List<Violation> violations = check(breakIt);

        assertThat(violations.stream().map(Violation::name).toList(), contains(name));
        assertThat(violations.getFirst().fixable(), is(fixable));
        assertThat(violations.getFirst().message(), containsString(message));
    }

    @Test
    void readWriteManyClaimIsAViolation() {
        List<Violation> violations = DeploymentChecks.check(Fixtures.goodDeployment(),
                                                            List.of(Fixtures.claim("ReadWriteMany")));

        assertThat(violations.stream().map(Violation::name).toList(), contains("claim-access-mode"));
        assertThat(violations.getFirst().message(), containsString("[ReadWriteMany]"));
    }

    @Test
    void secondDeploymentStatefulSetOrPodMountingTheClaimIsReportedEach() {
        Deployment second = new DeploymentBuilder(Fixtures.goodDeployment()).editMetadata().withName("repricer-copy")
                                                                            .endMetadata().build();
        var statefulSet = new StatefulSetBuilder()
                .withNewMetadata().withName("exporter").withNamespace(Fixtures.NAMESPACE).endMetadata()
                .withNewSpec().withTemplate(Fixtures.goodDeployment().getSpec().getTemplate()).endSpec()
                .build();
        Pod stray = straPod("stray", null);

        List<Violation> violations = DeploymentChecks.check(Fixtures.goodDeployment(),
                                                            List.of(Fixtures.claim("ReadWriteOnce"), second,
                                                                    statefulSet, stray));

        assertThat(violations.stream().map(Violation::message).toList(), contains(
                containsString("Deployment repricer-copy also mounts PersistentVolumeClaim repricer-data"),
                containsString("StatefulSet exporter also mounts PersistentVolumeClaim repricer-data"),
                containsString("Pod stray also mounts PersistentVolumeClaim repricer-data")));
        assertThat(violations.stream().map(Violation::name).distinct().toList(), contains("claim-shared"));
    }

    @Test
    void theDeploymentsOwnPodsItselfAndFinishedPodsDoNotShareTheClaim() {
        Pod own = new PodBuilder(straPod("repricer-5d8f7c9b4-x2x7q", null))
                .editMetadata()
                .addToLabels("pod-template-hash", "5d8f7c9b4")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet")
                .withName("repricer-5d8f7c9b4").withUid("rs-uid").withController(true).endOwnerReference()
                .endMetadata()
                .build();
        Pod finished = straPod("old-job", "Succeeded");
        Pod elsewhere = new PodBuilder(straPod("elsewhere", null)).editMetadata().withNamespace("other")
                                                                  .endMetadata().build();

        assertThat(DeploymentChecks.check(Fixtures.goodDeployment(),
                                          List.of(Fixtures.claim("ReadWriteOnce"), Fixtures.goodDeployment(), own,
                                                  finished, elsewhere)),
                   is(empty()));
    }

    @Test
    void aPodPretendingToBeOwnedByAnotherReplicaSetIsStillReported() {
        Pod impostor = new PodBuilder(straPod("impostor", null))
                .editMetadata()
                .addToLabels("pod-template-hash", "abc")
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("ReplicaSet")
                .withName("repricer-copy-abc").withUid("rs-uid").withController(true).endOwnerReference()
                .endMetadata()
                .build();

        assertThat(DeploymentChecks.check(Fixtures.goodDeployment(), List.of(Fixtures.claim("ReadWriteOnce"),
                                                                             impostor))
                                   .stream().map(Violation::name).toList(), contains("claim-shared"));
    }

    @Test
    void severalViolationsComeInCheckOrder() {
        Deployment drifted = edit(Fixtures.goodDeployment()).editSpec().withReplicas(3)
                .editStrategy().withType("RollingUpdate").endStrategy().endSpec().build();
        drifted = withContainer(drifted, c -> c.withLivenessProbe(null).editSecurityContext()
                                                .withReadOnlyRootFilesystem(null).endSecurityContext().build());

        assertThat(DeploymentChecks.check(drifted, CLAIM_RWO).stream().map(Violation::name).toList(),
                   contains("replicas", "strategy", "liveness-probe", "read-only-root-filesystem"));
    }

    @Test
    void dataClaimIsTheClaimBehindTheDataDirectory() {
        assertThat(DeploymentChecks.dataClaim(Fixtures.goodDeployment()).orElseThrow(), is(KubeNames.DATA_CLAIM));
    }

    private static Pod straPod(String name, String phase) {
        Deployment good = Fixtures.goodDeployment();
        return new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(Fixtures.NAMESPACE).endMetadata()
                .withSpec(good.getSpec().getTemplate().getSpec())
                .withNewStatus().withPhase(phase).endStatus()
                .build();
    }

    private static Arguments bad(String name, boolean fixable, String message, UnaryOperator<Deployment> breakIt) {
        return Arguments.of(name, fixable, message, breakIt);
    }

    private static List<Violation> check(UnaryOperator<Deployment> change) {
        return DeploymentChecks.check(change.apply(Fixtures.goodDeployment()), CLAIM_RWO);
    }

    private static DeploymentBuilder edit(Deployment d) {
        return new DeploymentBuilder(d);
    }

    private static Deployment withContainer(
            Deployment d,
            java.util.function.Function<io.fabric8.kubernetes.api.model.ContainerBuilder,
                    io.fabric8.kubernetes.api.model.Container> change) {
        var container = change.apply(new io.fabric8.kubernetes.api.model.ContainerBuilder(
                d.getSpec().getTemplate().getSpec().getContainers().getFirst()));
        return edit(d).editSpec().editTemplate().editSpec().withContainers(container).endSpec().endTemplate().endSpec()
                      .build();
    }
}
