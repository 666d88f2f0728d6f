package com.repricer.debugpod;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import static com.repricer.debugpod.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The CLI end to end: parsing, the verbs against the mock API server, messages and exit codes. */
@EnableKubernetesMockClient(crud = true, https = false)
class DebugPodCliTest {

    private static final String SSAR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

    KubernetesClient client;
    KubernetesMockServer server;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void pods() {
        client.pods().inNamespace("test").resource(Fixtures.debugPod(
                "repricer-debug-alice-aaaaa", "alice", NOW.minus(Duration.ofHours(3)),
                NOW.minus(Duration.ofHours(1)))).create();
        client.pods().inNamespace("test").resource(Fixtures.debugPod(
                "repricer-debug-bob-bbbbb", "bob", NOW.minus(Duration.ofMinutes(10)),
                NOW.plus(Duration.ofMinutes(110)))).create();
        client.pods().inNamespace("test").resource(Fixtures.productionPod("repricer-7d9f8-x2x2x")).create();
    }

    @Test
    void listShowsTheDebugPodsOfTheNamespace() {
        assertThat(run("list"), is(0));
        assertThat(out.toString(), startsWith("NAME"));
        assertThat(out.toString(), containsString("repricer-debug-alice-aaaaa   alice"));
        assertThat(out.toString(), containsString("repricer-debug-bob-bbbbb"));
        assertThat(out.toString().contains("repricer-7d9f8"), is(false));
    }

    @Test
    void listMineUsesTheOwnerFromTheEnvironmentOrOption() {
        assertThat(run("list", "--mine"), is(0));
        assertThat(out.toString(), containsString("repricer-debug-bob-bbbbb"));
        assertThat(out.toString().contains("alice"), is(false));
        out.getBuffer().setLength(0);
        assertThat(run("--owner", "Carol", "list", "--mine"), is(0));
        assertThat(out.toString(), is("No debug pods in namespace test owned by carol\n"));
    }

    @Test
    void stopNeedsExactlyOneTarget() {
        assertThat(run("stop"), is(2));
        assertThat(err.toString(), containsString("Missing required argument"));
        assertThat(run("stop", "--mine", "--all-expired"), is(2));
    }

    @Test
    void stopRefusesTheProductionPodAndReportsMissingOnes() {
        assertThat(run("stop", "repricer-7d9f8-x2x2x"), is(CliFailure.FAILED));
        assertThat(err.toString(), containsString("error: pod repricer-7d9f8-x2x2x is not a debug pod"));
        assertThat(run("stop", "repricer-debug-zed-zzzzz"), is(CliFailure.NOT_FOUND));
        assertThat(client.pods().inNamespace("test").withName("repricer-7d9f8-x2x2x").get().getMetadata().getName(),
                   is("repricer-7d9f8-x2x2x"));
    }

    @Test
    void stopAllExpiredDeletesByTheClock() {
        assertThat(run("stop", "--all-expired"), is(0));
        assertThat(out.toString(), is("Deleted pod repricer-debug-alice-aaaaa\n"));
    }

    @Test
    void badOptionValuesAreUsageErrors() {
        assertThat(run("start", "--ttl", "30h"), is(2));
        assertThat(err.toString(), containsString("TTL must be more than 0 and at most 1d"));
        assertThat(run("collect", "a", "b"), is(2));
        assertThat(run("start", "--seed", "-1"), is(2));
        assertThat(err.toString(), containsString("--seed must be 0 or more: -1"));
    }

    @Test
    void aDeniedAccessReviewStopsTheCommandBeforeItActs() {
        denyVerbs("delete");
        int code = run("stop", "--mine");
        assertThat(err.toString(), code, is(CliFailure.FORBIDDEN));
        assertThat(err.toString(), containsString("forbidden: RBAC does not allow \"delete pods\" in namespace \"test\""));
        assertThat(client.pods().inNamespace("test").list().getItems().size(), is(3));
    }

    @Test
    void aDeniedAccessReviewNamesEveryMissingVerb() {
        denyVerbs("create", "get");
        assertThat(run("collect", "repricer-7d9f8-x2x2x"), is(CliFailure.FORBIDDEN));
        assertThat(err.toString(), containsString("forbidden: RBAC does not allow \"get pods\", "
                                                  + "\"create pods/portforward\", \"get pods/portforward\" in namespace \"test\""));
    }

    @Test
    void collectNeedsARunningPod() {
        assertThat(run("collect", "repricer-7d9f8-x2x2x"), is(CliFailure.FAILED));
        assertThat(err.toString(), containsString("pod repricer-7d9f8-x2x2x is Pending: the results export needs a running pod"));
        assertThat(run("collect", "repricer-debug-gone-zzzzz"), is(CliFailure.NOT_FOUND));
    }

    @Test
    void aForbiddenCallIsExplainedWithTheVerbTheApiServerNames() {
        Status forbidden = new StatusBuilder().withCode(403).withReason("Forbidden").withStatus("Failure")
                .withMessage("pods \"repricer-debug-bob-bbbbb\" is forbidden: User \"bob\" cannot delete resource "
                             + "\"pods\" in API group \"\" in the namespace \"test\"")
                .build();
        server.expect().delete().withPath("/api/v1/namespaces/test/pods/repricer-debug-bob-bbbbb")
              .andReturn(403, forbidden).always();
        assertThat(run("stop", "repricer-debug-bob-bbbbb"), is(CliFailure.FORBIDDEN));
        assertThat(err.toString(), containsString(
                "forbidden: RBAC does not allow verb \"delete\" on \"pods\" in namespace \"test\""));
        assertThat(err.toString(), containsString("API server: pods \"repricer-debug-bob-bbbbb\" is forbidden"));
    }

    @Test
    void anUnreachableClusterIsExitCode3() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + closedPort)
                                                         .withNamespace("test")
                                                         .withRequestRetryBackoffLimit(0)
                                                         .build();
        int code = run(() -> new KubernetesClientBuilder().withConfig(config).build(), "list");
        assertThat(err.toString(), code, is(CliFailure.NO_CLUSTER));
        assertThat(err.toString(), containsString("error: cannot reach the Kubernetes API server"));
    }

    @Test
    void noContextIsExitCode3WithAHint() {
        CliFailure none = assertThrows(CliFailure.class,
                                       () -> KubeConnection.check(Config.empty(), Optional.empty(), Map.of()));
        assertThat(none.exitCode(), is(CliFailure.NO_CLUSTER));
        assertThat(none.getMessage(), containsString("no current kubeconfig context"));
        CliFailure unknown = assertThrows(CliFailure.class, () -> KubeConnection.check(
                Config.empty(), Optional.of("aks-dev"), Map.of()));
        assertThat(unknown.getMessage(), containsString("no context \"aks-dev\""));
        // in a pod, the service account stands in for a context
        KubeConnection.check(Config.empty(), Optional.empty(), Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1"));
    }

    /** Lets every access review pass except for the given verbs. */
    private void denyVerbs(String... verbs) {
        Set<String> denied = Set.of(verbs);
        server.expect().post().withPath(SSAR_PATH).andReply(201, request -> {
            SelfSubjectAccessReview review = Serialization.unmarshal(request.getUtf8Body(),
                                                                     SelfSubjectAccessReview.class);
            boolean allowed = !denied.contains(review.getSpec().getResourceAttributes().getVerb());
            review.setStatus(new SubjectAccessReviewStatusBuilder().withAllowed(allowed).build());
            return review;
        }).always();
    }

    private int run(String... args) {
        return run(() -> client, args);
    }

    private int run(Supplier<KubernetesClient> connector, String... args) {
        DebugPodCli cli = new DebugPodCli((context, env) -> connector.get(), Clock.fixed(NOW, ZoneOffset.UTC),
                                          Map.of("USER", "bob"), false);
        CommandLine commandLine = cli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }
}
