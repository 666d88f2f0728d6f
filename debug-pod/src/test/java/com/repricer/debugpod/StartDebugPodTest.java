package com.repricer.debugpod;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static com.repricer.debugpod.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

@EnableKubernetesMockClient(crud = true, https = false)
class StartDebugPodTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    KubernetesClient client;

    private final StringWriter output = new StringWriter();
    private StartDebugPod start;

    @BeforeEach
    void verb() {
        start = new StartDebugPod(client, "test", Clock.fixed(NOW, ZoneOffset.UTC), new Random(42),
                                  new PrintWriter(output, true));
    }

    @Test
    void createsThePodFromTheDeploymentWithEmptyDirLabelsExpiryAndDeadline() {
        client.apps().deployments().inNamespace("test").resource(Fixtures.productionDeployment()).create();

        Pod created = start.create(Owner.of("alice"), Optional.empty(), Duration.ofHours(2));

        Pod stored = client.pods().inNamespace("test").withName(created.getMetadata().getName()).get();
        assertThat(stored.getMetadata().getName(), matchesPattern("repricer-debug-alice-[a-z0-9]{5}"));
        assertThat(stored.getMetadata().getLabels(), hasEntry("repricer.io/debug", "true"));
        assertThat(stored.getMetadata().getLabels(), hasEntry("repricer.io/owner", "alice"));
        assertThat(stored.getMetadata().getLabels(), hasEntry("app.kubernetes.io/name", "repricer"));
        assertThat(stored.getMetadata().getAnnotations(), hasEntry("repricer.io/expires-at", "2026-11-27T20:13:07Z"));
        assertThat(stored.getSpec().getActiveDeadlineSeconds(), is(7500L));
        assertThat(stored.getSpec().getVolumes().stream().filter(v -> v.getName().equals("data")).findFirst()
                         .orElseThrow().getEmptyDir(), notNullValue());
        assertThat(stored.getSpec().getVolumes().stream().map(v -> v.getPersistentVolumeClaim()).toList(),
                   everyItem(nullValue()));
        assertThat(stored.getSpec().getSecurityContext().getRunAsNonRoot(), is(true));
        assertThat(stored.getSpec().getContainers().getFirst().getSecurityContext().getReadOnlyRootFilesystem(),
                   is(true));
        assertThat(stored.getSpec().getContainers().getFirst().getImage(), is("repriceracr.azurecr.io/repricer:1.4.2"));
        assertThat(output.toString(), containsString("Created pod " + stored.getMetadata().getName()));
    }

    @Test
    void withoutADeploymentTheImageOptionIsNeeded() {
        CliFailure failure = assertThrows(CliFailure.class,
                                          () -> start.create(Owner.of("bob"), Optional.empty(), Duration.ofHours(1)));
        assertThat(failure.exitCode(), is(CliFailure.NOT_FOUND));
        assertThat(failure.getMessage(), containsString("pass --image"));

        Pod created = start.create(Owner.of("bob"), Optional.of("repricer:dev"), Duration.ofHours(1));
        Pod stored = client.pods().inNamespace("test").withName(created.getMetadata().getName()).get();
        assertThat(stored.getSpec().getContainers().getFirst().getImage(), is("repricer:dev"));
        assertThat(stored.getMetadata().getAnnotations(), hasEntry("repricer.io/expires-at", "2026-11-27T19:13:07Z"));
    }

    @Test
    void waitsUntilTheWatchedPodIsReadyAndShowsItsProgress() throws Exception {
        Pod created = start.create(Owner.of("alice"), Optional.of("repricer:dev"), Duration.ofHours(2));
        String name = created.getMetadata().getName();
        CompletableFuture<Pod> ready = CompletableFuture.supplyAsync(() -> start.awaitReady(name, WAIT));

        setStatus(name, new PodStatusBuilder().withPhase("Pending").addNewContainerStatus().withName("repricer")
                                              .withNewState().withNewWaiting().withReason("ContainerCreating")
                                              .endWaiting().endState().endContainerStatus().build());
        setStatus(name, new PodStatusBuilder().withPhase("Running")
                                              .addNewCondition().withType("Ready").withStatus("True").endCondition()
                                              .build());

        Pod pod = ready.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(PodReadiness.of(pod).state(), is(PodReadiness.State.READY));
        assertThat(output.toString(), containsString("Waiting up to 20s for pod " + name + " to be ready"));
        assertThat(output.toString(), containsString("  Running (0s of 20s)"));
    }

    @Test
    void anImagePullFailureEndsTheWaitWithThePodsEvents() {
        Pod created = start.create(Owner.of("alice"), Optional.of("repricer:typo"), Duration.ofHours(2));
        String name = created.getMetadata().getName();
        client.v1().events().inNamespace("test").resource(new EventBuilder()
                .withNewMetadata().withName(name + ".1").endMetadata()
                .withNewInvolvedObject().withKind("Pod").withName(name).withNamespace("test").endInvolvedObject()
                .withType("Warning").withReason("Failed")
                .withMessage("Failed to pull image \"repricer:typo\": not found")
                .withLastTimestamp(NOW.toString())
                .build()).create();
        setStatus(name, new PodStatusBuilder().withPhase("Pending").addNewContainerStatus().withName("repricer")
                                              .withNewState().withNewWaiting().withReason("ErrImagePull")
                                              .withMessage("rpc error: not found").endWaiting().endState()
                                              .endContainerStatus().build());

        CliFailure failure = assertThrows(CliFailure.class, () -> start.awaitReady(name, WAIT));

        assertThat(failure.exitCode(), is(CliFailure.IMAGE_PULL));
        assertThat(failure.getMessage(), containsString("cannot pull its image: ErrImagePull: rpc error: not found"));
        assertThat(failure.getMessage(), containsString(
                "Warning Failed: Failed to pull image \"repricer:typo\": not found"));
    }

    @Test
    void aPodThatNeverGetsReadyTimesOut() {
        Pod created = start.create(Owner.of("alice"), Optional.of("repricer:dev"), Duration.ofHours(2));

        CliFailure failure = assertThrows(CliFailure.class,
                                          () -> start.awaitReady(created.getMetadata().getName(),
                                                                 Duration.ofMillis(300)));

        assertThat(failure.exitCode(), is(CliFailure.TIMEOUT));
        assertThat(failure.getMessage(), containsString("was not ready within 0s (last: "));
    }

    @Test
    void deletesAfterAFailedStart() {
        Pod created = start.create(Owner.of("alice"), Optional.of("repricer:dev"), Duration.ofHours(2));
        start.delete(created.getMetadata().getName());
        assertThat(client.pods().inNamespace("test").withName(created.getMetadata().getName()).get(), nullValue());
    }

    private void setStatus(String name, PodStatus status) {
        Pod pod = client.pods().inNamespace("test").withName(name).get();
        client.pods().inNamespace("test").resource(new PodBuilder(pod).withStatus(status).build()).updateStatus();
    }
}
