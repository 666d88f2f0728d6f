package com.repricer.operator.reaper;

import com.repricer.operator.CliRun;
import com.repricer.operator.Fixtures;
import com.repricer.operator.HealthServer;
import com.repricer.fixtures.MutableClock;
import com.repricer.operator.OperatorCli;
import com.repricer.operator.WatchQueue;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.repricer.operator.Fixtures.NAMESPACE;
import static com.repricer.operator.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

@EnableKubernetesMockClient(crud = true, https = false)
class ReaperCommandTest {

    KubernetesClient client;

    private final MutableClock clock = new MutableClock(NOW);

    @Test
    void onceRunsOnePassAndSummarises() {
        create(Fixtures.debugPod("expired", NOW.minusSeconds(60)));
        create(Fixtures.debugPod("later", NOW.plusSeconds(60)));
        create(Fixtures.debugPod("unannotated", (String) null));

        CliRun run = CliRun.run(client, clock, "reaper", "--once", "--namespace", NAMESPACE);

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.OK));
        assertThat(run.out(), containsString("deleted pod " + NAMESPACE + "/expired (owner alice)"));
        assertThat(run.out(), containsString("reaper (namespace " + NAMESPACE + "): 1 deleted, 1 not yet expired (next at "
                                           + NOW.plusSeconds(60) + "), 1 without a valid expiry (left alone), 0 failed"));
        assertThat(pod("expired"), nullValue());
        assertThat(pod("later"), notNullValue());
    }

    @Test
    void onceDefaultsToTheClientsNamespace() {
        create(Fixtures.debugPod("expired", NOW.minusSeconds(60)));

        CliRun run = CliRun.run(client, clock, "reaper", "--once");

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.OK));
        assertThat(run.out(), containsString("reaper (namespace " + client.getNamespace() + "): 1 deleted"));
    }

    @Test
    void onceOverAllNamespaces() {
        create(Fixtures.debugPod("expired", NOW.minusSeconds(60)));
        Pod elsewhere = Fixtures.debugPod("elsewhere", NOW.minusSeconds(60));
        elsewhere.getMetadata().setNamespace("other");
        client.pods().inNamespace("other").resource(elsewhere).create();

        CliRun run = CliRun.run(client, clock, "reaper", "--once", "--all-namespaces");

        assertThat(run.toString(), run.exitCode(), is(OperatorCli.OK));
        assertThat(run.out(), containsString("reaper (all namespaces): 2 deleted"));
        assertThat(client.pods().inNamespace("other").withName("elsewhere").get(), nullValue());
    }

    @Test
    void namespaceAndAllNamespacesExcludeEachOther() {
        CliRun run = CliRun.run(client, clock, "reaper", "--once", "-n", NAMESPACE, "-A");

        assertThat(run.exitCode(), is(OperatorCli.USAGE));
        assertThat(run.err(), containsString("mutually exclusive"));
    }

    @Test
    void continuousModeReapsAndAnswersHealthUntilStopped() throws Exception {
        create(Fixtures.debugPod("expired", NOW.minusSeconds(60)));
        List<Integer> health = new ArrayList<>();
        try (WatchQueue<Pod> pods = new WatchQueue<>(client.pods().inNamespace(NAMESPACE));
             HttpClient http = HttpClient.newHttpClient()) {
            CliRun run = CliRun.run(client, clock, port -> {
                pods.awaitDeleted("expired");
                for (String path : List.of(HealthServer.LIVE_PATH, HealthServer.READY_PATH)) {
                    try {
                        health.add(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                                        .timeout(Duration.ofSeconds(10)).build(),
                                             HttpResponse.BodyHandlers.discarding()).statusCode());
                    } catch (java.io.IOException e) {
                        throw new AssertionError(e);
                    }
                }
            }, "reaper", "-n", NAMESPACE, "--health-port", "0");

            assertThat(run.toString(), run.exitCode(), is(OperatorCli.OK));
            assertThat(health, is(List.of(200, 200)));
            assertThat(run.out(), containsString("reaper: watching debug pods in namespace " + NAMESPACE));
            assertThat(run.out(), containsString("reaper: stopped"));
        }
    }

    private Pod pod(String name) {
        return client.pods().inNamespace(NAMESPACE).withName(name).get();
    }

    private void create(Pod pod) {
        client.pods().inNamespace(NAMESPACE).resource(pod).create();
    }
}
