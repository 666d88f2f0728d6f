package com.repricer.operator.guard;

import com.repricer.kube.KubeNames;
import com.repricer.operator.EventRecorder;
import com.repricer.operator.Fixtures;
import com.repricer.fixtures.MutableClock;
import com.repricer.operator.WatchQueue;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static com.repricer.operator.Fixtures.NAMESPACE;
import static com.repricer.operator.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/** {@code guard --watch --fix}: drift repaired as it happens, awaited on the test's own watch. */
@EnableKubernetesMockClient(crud = true, https = false)
class GuardLoopTest {

    private static final Duration TIMEOUT = WatchQueue.TIMEOUT;

    KubernetesClient client;

    private final MutableClock clock = new MutableClock(NOW);
    private final StringWriter log = new StringWriter();
    private WatchQueue<Deployment> deployments;
    private WatchQueue<Event> events;
    private GuardLoop loop;

    @BeforeEach
    void setUp() {
        client.persistentVolumeClaims().inNamespace(NAMESPACE).resource(Fixtures.claim("ReadWriteOnce")).create();
        deployments = new WatchQueue<>(client.apps().deployments().inNamespace(NAMESPACE));
        events = new WatchQueue<>(client.v1().events().inNamespace(NAMESPACE));
    }

    /**
     * Every test ends only after its watches have seen what it wrote (the last Event included): fabric8's mock server
     * deadlocks its own shutdown when a watch closes while it is still sending that watch an event (the sender waits
     * on the Vert.x event loop, which waits for the sender), and the extension then fails with "Unable to close
     * MockWebServer".
     */
    @AfterEach
    void tearDown() {
        if (loop != null) {
            loop.close();
        }
        deployments.close();
        events.close();
    }

    @Test
    void repairsDriftAtStartAndWhenItComesBack() throws Exception {
        create(scaled(Fixtures.goodDeployment(), 2));
        loop = start(true);

        awaitRepaired();
        awaitEvent(GuardLoop.REPAIRED_REASON);
        assertThat(reasons(), hasItem(GuardLoop.VIOLATED_REASON));
        assertThat(reasons(), hasItem(GuardLoop.REPAIRED_REASON));

        client.apps().deployments().inNamespace(NAMESPACE).withName(KubeNames.DEPLOYMENT).edit(d -> scaled(d, 4));
        awaitRepaired();

        Optional<Guard.Report> report = loop.passNow(TIMEOUT);
        assertThat(report.orElseThrow().violations(), is(empty()));
        assertThat(log.toString(), containsString("guard: patched deployment " + NAMESPACE + "/repricer: replicas"));
    }

    @Test
    void withoutFixItOnlyReportsOncePerChange() throws Exception {
        create(scaled(Fixtures.goodDeployment(), 2));
        loop = start(false);

        loop.passNow(TIMEOUT);
        loop.passNow(TIMEOUT);
        awaitEvent(GuardLoop.VIOLATED_REASON);

        assertThat(client.apps().deployments().inNamespace(NAMESPACE).withName(KubeNames.DEPLOYMENT).get()
                         .getSpec().getReplicas(), is(2));
        List<String> reasons = reasons();
        assertThat(reasons, is(List.of(GuardLoop.VIOLATED_REASON)));
        assertThat(log.toString().split("replicas \\(fixable\\)", -1).length - 1, is(1));
    }

    @Test
    void aMissingDeploymentIsWaitedFor() throws Exception {
        loop = start(true);
        assertThat(loop.passNow(TIMEOUT), is(Optional.empty()));
        assertThat(log.toString(), containsString("deployment " + NAMESPACE + "/repricer not found; waiting for it"));

        create(scaled(Fixtures.goodDeployment(), 3));
        awaitRepaired();
        awaitEvent(GuardLoop.REPAIRED_REASON);
        assertThat(loop.isReady(), is(true));
    }

    private void awaitRepaired() throws InterruptedException {
        deployments.await(e -> e.action() == Watcher.Action.MODIFIED
                               && e.resource().getSpec().getReplicas() == 1
                               && DeploymentChecks.check(e.resource(), List.of(Fixtures.claim("ReadWriteOnce")))
                                                  .isEmpty(),
                          "the repaired deployment");
    }

    /** The repair Event is recorded just after the patch the watch saw: await it on the test's own watch. */
    private void awaitEvent(String reason) throws InterruptedException {
        events.await(e -> e.action() == Watcher.Action.ADDED && reason.equals(e.resource().getReason()),
                     "a " + reason + " event");
    }

    private List<String> reasons() {
        return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream().map(Event::getReason).toList();
    }

    private GuardLoop start(boolean fix) throws Exception {
        Guard guard = new Guard(client, NAMESPACE, KubeNames.DEPLOYMENT);
        return GuardLoop.start(client, guard, fix, Duration.ofMinutes(1),
                               new EventRecorder(client, clock, GuardLoop.COMPONENT, "test-host"), clock,
                               new PrintWriter(log, true));
    }

    private static Deployment scaled(Deployment d, int replicas) {
        return new DeploymentBuilder(d).editSpec().withReplicas(replicas).endSpec().build();
    }

    private void create(Deployment deployment) {
        client.apps().deployments().inNamespace(NAMESPACE).resource(deployment).create();
    }
}
