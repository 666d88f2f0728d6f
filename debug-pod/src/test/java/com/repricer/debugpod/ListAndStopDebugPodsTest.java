package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static com.repricer.debugpod.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

@EnableKubernetesMockClient(crud = true, https = false)
class ListAndStopDebugPodsTest {

    KubernetesClient client;

    @BeforeEach
    void pods() {
        create(Fixtures.debugPod("repricer-debug-alice-aaaaa", "alice", NOW.minus(Duration.ofHours(3)),
                                 NOW.minus(Duration.ofHours(1))));
        create(Fixtures.debugPod("repricer-debug-alice-bbbbb", "alice", NOW.minus(Duration.ofMinutes(5)),
                                 NOW.plus(Duration.ofMinutes(115))));
        create(Fixtures.debugPod("repricer-debug-bob-ccccc", "bob", NOW.minus(Duration.ofHours(4)),
                                 NOW.minus(Duration.ofMinutes(1))));
        create(Fixtures.debugPod("repricer-debug-carol-ddddd", "carol", NOW.minus(Duration.ofMinutes(1)),
                                 NOW.plus(Duration.ofHours(2))));
        create(Fixtures.productionPod("repricer-7d9f8-x2x2x"));
    }

    @Test
    void listsOnlyDebugPods() {
        List<Pod> pods = new ListDebugPods(client, "test").list(Optional.empty());
        assertThat(names(pods), containsInAnyOrder("repricer-debug-alice-aaaaa", "repricer-debug-alice-bbbbb",
                                                   "repricer-debug-bob-ccccc", "repricer-debug-carol-ddddd"));
    }

    @Test
    void listsOneOwnersPodsOldestFirst() {
        assertThat(names(new ListDebugPods(client, "test").list(Optional.of(Owner.of("alice")))),
                   contains("repricer-debug-alice-aaaaa", "repricer-debug-alice-bbbbb"));
        assertThat(new ListDebugPods(client, "other").list(Optional.empty()), is(List.of()));
    }

    @Test
    void stopByNameDeletesThatDebugPod() {
        assertThat(stop().byName("repricer-debug-bob-ccccc"), contains("repricer-debug-bob-ccccc"));
        assertThat(remaining(), containsInAnyOrder("repricer-debug-alice-aaaaa", "repricer-debug-alice-bbbbb",
                                                   "repricer-debug-carol-ddddd", "repricer-7d9f8-x2x2x"));
    }

    @Test
    void stopRefusesAPodThatIsNotADebugPod() {
        CliFailure failure = assertThrows(CliFailure.class, () -> stop().byName("repricer-7d9f8-x2x2x"));
        assertThat(failure.exitCode(), is(CliFailure.FAILED));
        assertThat(failure.getMessage(), containsString("is not a debug pod"));
        assertThat(remaining().size(), is(5));
    }

    @Test
    void stopOfAMissingPodIsNotFound() {
        CliFailure failure = assertThrows(CliFailure.class, () -> stop().byName("repricer-debug-nobody-zzzzz"));
        assertThat(failure.exitCode(), is(CliFailure.NOT_FOUND));
    }

    @Test
    void stopMineDeletesAllOfTheOwnersPodsAndNoOthers() {
        assertThat(stop().mine(Owner.of("alice")),
                   contains("repricer-debug-alice-aaaaa", "repricer-debug-alice-bbbbb"));
        assertThat(remaining(), containsInAnyOrder("repricer-debug-bob-ccccc", "repricer-debug-carol-ddddd",
                                                   "repricer-7d9f8-x2x2x"));
        assertThat(stop().mine(Owner.of("alice")), is(List.of()));
    }

    @Test
    void stopAllExpiredDeletesByTheInjectedClock() {
        assertThat(stop().expired(), containsInAnyOrder("repricer-debug-bob-ccccc", "repricer-debug-alice-aaaaa"));
        assertThat(remaining(), containsInAnyOrder("repricer-debug-alice-bbbbb", "repricer-debug-carol-ddddd",
                                                   "repricer-7d9f8-x2x2x"));
        StopDebugPods later = new StopDebugPods(client, "test", Clock.fixed(NOW.plus(Duration.ofHours(3)),
                                                                            ZoneOffset.UTC));
        assertThat(later.expired(), contains("repricer-debug-alice-bbbbb", "repricer-debug-carol-ddddd"));
        assertThat(remaining(), contains("repricer-7d9f8-x2x2x"));
    }

    @Test
    void stopAllExpiredReadsAnAnnotationWithSurroundingWhitespaceAsTheReaperDoes() {
        // kubectl annotate with a quoted value, or a YAML block scalar, leaves spaces or a newline around the
        // instant: the reaper has always stripped them, so stop --all-expired must treat the pod the same.
        Pod padded = Fixtures.debugPod("repricer-debug-dave-eeeee", "dave", NOW.minus(Duration.ofHours(2)),
                                       NOW.minus(Duration.ofMinutes(10)));
        padded.getMetadata().getAnnotations().put(KubeNames.EXPIRES_AT_ANNOTATION,
                                                  " " + NOW.minus(Duration.ofMinutes(10)) + "\n");
        create(padded);
        assertThat(stop().expired(), containsInAnyOrder("repricer-debug-bob-ccccc", "repricer-debug-alice-aaaaa",
                                                        "repricer-debug-dave-eeeee"));
        assertThat(remaining(), containsInAnyOrder("repricer-debug-alice-bbbbb", "repricer-debug-carol-ddddd",
                                                   "repricer-7d9f8-x2x2x"));
    }

    private StopDebugPods stop() {
        return new StopDebugPods(client, "test", Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private void create(Pod pod) {
        client.pods().inNamespace("test").resource(pod).create();
    }

    private List<String> remaining() {
        return names(client.pods().inNamespace("test").list().getItems());
    }

    private static List<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).toList();
    }
}
