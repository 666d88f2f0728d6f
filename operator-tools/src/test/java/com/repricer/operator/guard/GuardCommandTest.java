package com.repricer.operator.guard;

import com.repricer.kube.KubeNames;
import com.repricer.operator.CliRun;
import com.repricer.operator.Fixtures;
import com.repricer.fixtures.MutableClock;
import com.repricer.operator.OperatorCli;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.repricer.operator.Fixtures.NAMESPACE;
import static com.repricer.operator.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/** {@code guard} and {@code guard --fix} against the mock API server. */
@EnableKubernetesMockClient(crud = true, https = false)
class GuardCommandTest {

    KubernetesClient client;

    private final MutableClock clock = new MutableClock(NOW);

    @BeforeEach
    void claim() {
        client.persistentVolumeClaims().inNamespace(NAMESPACE).resource(Fixtures.claim("ReadWriteOnce")).create();
    }

    @Test
    void goodDeploymentPassesWithExitZero() {
        create(Fixtures.goodDeployment());

        CliRun run = guard();

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.OK));
        assertThat(run.out(), containsString("deployment " + NAMESPACE + "/repricer: ok, no violations"));
    }

    @Test
    void violationsAreReportedByNameWithExitOne() {
        create(drifted());

        CliRun run = guard();

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.DRIFT));
        assertThat(run.out(), containsString("deployment " + NAMESPACE + "/repricer: 3 violations (2 fixable with --fix)"));
        assertThat(run.out(), containsString("  replicas (fixable): spec.replicas is 3"));
        assertThat(run.out(), containsString("  strategy (fixable): spec.strategy.type is RollingUpdate"));
        assertThat(run.out(), containsString("  readiness-probe: the readiness probe must be an HTTP GET"));
        assertThat("a report changes nothing", deployment().getSpec().getReplicas(), is(3));
    }

    @Test
    void fixLeavesADeploymentThatPasses() {
        create(new DeploymentBuilder(drifted()).editSpec().editTemplate().editSpec().editFirstContainer()
                                               .withReadinessProbe(Fixtures.probe(KubeNames.READY_PATH))
                                               .endContainer().endSpec().endTemplate().endSpec().build());

        CliRun run = guard("--fix");

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.OK));
        assertThat(run.out(), containsString("patched deployment " + NAMESPACE + "/repricer: replicas, strategy"));
        assertThat(run.out(), containsString("after the patch:\ndeployment " + NAMESPACE + "/repricer: ok"));
        Deployment fixed = deployment();
        assertThat(fixed.getSpec().getReplicas(), is(1));
        assertThat(fixed.getSpec().getStrategy().getType(), is("Recreate"));
        assertThat(fixed.getSpec().getStrategy().getRollingUpdate(), nullValue());
        assertThat(DeploymentChecks.check(fixed, List.of(Fixtures.claim("ReadWriteOnce"))), is(empty()));
        List<Event> events = client.v1().events().inNamespace(NAMESPACE).list().getItems();
        assertThat(events, hasSize(1));
        assertThat(events.getFirst().getReason(), is(GuardLoop.REPAIRED_REASON));
        assertThat(events.getFirst().getInvolvedObject().getKind(), is("Deployment"));
        assertThat(events.getFirst().getMessage(), containsString("patched replicas, strategy"));
    }

    @Test
    void fixRepairsWhatItMayAndStillFailsOnTheRest() {
        create(drifted());

        CliRun run = guard("--fix");

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.DRIFT));
        assertThat(run.out(), containsString("after the patch:\ndeployment " + NAMESPACE
                                           + "/repricer: 1 violation (0 fixable with --fix)\n  readiness-probe"));
        assertThat(deployment().getSpec().getReplicas(), is(1));
        assertThat(deployment().getSpec().getTemplate().getSpec().getContainers().getFirst().getReadinessProbe(),
                   nullValue());
    }

    @Test
    void fixNeverTouchesAPodSharingTheClaim() {
        create(Fixtures.goodDeployment());
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                .withNewMetadata().withName("intruder").withNamespace(NAMESPACE).endMetadata()
                .withSpec(Fixtures.goodDeployment().getSpec().getTemplate().getSpec())
                .build()).create();

        CliRun run = guard("--fix");

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.DRIFT));
        assertThat(run.out(), containsString("claim-shared: Pod intruder also mounts PersistentVolumeClaim repricer-data"));
        assertThat(run.out(), not(containsString("patched")));
        assertThat(client.pods().inNamespace(NAMESPACE).withName("intruder").get(), is(not(nullValue())));
    }

    @Test
    void missingClaimIsReported() {
        client.persistentVolumeClaims().inNamespace(NAMESPACE).withName(KubeNames.DATA_CLAIM).delete();
        create(Fixtures.goodDeployment());

        CliRun run = guard();

        assertThat(run.exitCode(), is(OperatorCli.DRIFT));
        assertThat(run.out(), containsString("claim-missing: PersistentVolumeClaim repricer-data"));
    }

    @Test
    void missingDeploymentIsExitThree() {
        CliRun run = guard();

        assertThat(run.exitCode(), is(OperatorCli.KUBERNETES));
        assertThat(run.out(), containsString("deployment " + NAMESPACE + "/repricer not found"));
    }

    @Test
    void anotherDeploymentCanBeNamed() {
        create(new DeploymentBuilder(Fixtures.goodDeployment()).editMetadata().withName("repricer-canary")
                                                               .endMetadata().build());

        CliRun run = CliRun.run(client, clock, "guard", "-n", NAMESPACE, "--deployment", "repricer-canary");

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.OK));
    }

    /** Three replicas, RollingUpdate with parameters, no readiness probe. */
    private static Deployment drifted() {
        return new DeploymentBuilder(Fixtures.goodDeployment())
                .editSpec()
                .withReplicas(3)
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withNewMaxSurge("25%").withNewMaxUnavailable("25%").endRollingUpdate().endStrategy()
                .editTemplate().editSpec().editFirstContainer().withReadinessProbe(null).endContainer().endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private CliRun guard(String... more) {
        String[] args = new String[more.length + 3];
        args[0] = "guard";
        args[1] = "--namespace";
        args[2] = NAMESPACE;
        System.arraycopy(more, 0, args, 3, more.length);
        return CliRun.run(client, clock, args);
    }

    private void create(Deployment deployment) {
        client.apps().deployments().inNamespace(NAMESPACE).resource(deployment).create();
    }

    private Deployment deployment() {
        return client.apps().deployments().inNamespace(NAMESPACE).withName(KubeNames.DEPLOYMENT).get();
    }
}
