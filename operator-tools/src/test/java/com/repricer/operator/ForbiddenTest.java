package com.repricer.operator;

import com.repricer.fixtures.MutableClock;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** What a person sees when RBAC refuses: exit code 3 and where the permissions are written down. */
@EnableKubernetesMockClient(https = false)
class ForbiddenTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T20:13:07Z"));

    @Test
    void guardWithoutGetOnDeployments() {
        server.expect().get().withPath("/apis/apps/v1/namespaces/test/deployments/repricer")
              .andReturn(403, forbidden("deployments.apps \"repricer\" is forbidden: User \"alice\" cannot get "
                                        + "resource \"deployments\" in API group \"apps\" in the namespace \"test\""))
              .once();

        CliRun run = CliRun.run(client, clock, "guard", "-n", "test");

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.KUBERNETES));
        assertThat(run.err(), containsString("guard: Kubernetes API error HTTP 403"));
        assertThat(run.err(), containsString("cannot get resource \"deployments\""));
        assertThat(run.err(), containsString("manifests/base/operator-rbac.yaml"));
    }

    @Test
    void reaperWithoutListOnPods() {
        server.expect().get().withPath("/api/v1/namespaces/test/pods?labelSelector=repricer.io%2Fdebug%3Dtrue")
              .andReturn(403, forbidden("pods is forbidden: User \"alice\" cannot list resource \"pods\""))
              .once();

        CliRun run = CliRun.run(client, clock, "reaper", "--once", "-n", "test");

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.KUBERNETES));
        assertThat(run.err(), containsString("reaper: Kubernetes API error HTTP 403"));
    }

    private static io.fabric8.kubernetes.api.model.Status forbidden(String message) {
        return new StatusBuilder().withStatus("Failure").withReason("Forbidden").withCode(403).withMessage(message)
                                  .build();
    }
}
