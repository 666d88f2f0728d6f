package com.repricer.debugpod;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static com.repricer.debugpod.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

class DebugPodsTest {

    private final Pod alicesOld = Fixtures.debugPod("repricer-debug-alice-aaaaa", "alice",
                                                    NOW.minus(Duration.ofHours(3)), NOW.minus(Duration.ofHours(1)));
    private final Pod alicesNew = Fixtures.debugPod("repricer-debug-alice-bbbbb", "alice",
                                                    NOW.minus(Duration.ofMinutes(5)), NOW.plus(Duration.ofMinutes(115)));
    private final Pod bobs = Fixtures.debugPod("repricer-debug-bob-ccccc", "bob", NOW.minus(Duration.ofMinutes(30)),
                                               NOW.plus(Duration.ofMinutes(90)));
    private final Pod production = Fixtures.productionPod("repricer-7d9f8-x2x2x");
    private final List<Pod> all = List.of(bobs, production, alicesNew, alicesOld);

    @Test
    void filtersByOwnerOldestFirstAndNeverIncludesOtherPods() {
        assertThat(names(DebugPods.ownedBy(all, Owner.of("alice"))),
                   contains("repricer-debug-alice-aaaaa", "repricer-debug-alice-bbbbb"));
        assertThat(names(DebugPods.ownedBy(all, Owner.of("carol"))), is(List.of()));
        assertThat(DebugPods.isDebugPod(production), is(false));
    }

    @Test
    void expiredAreDebugPodsPastTheirExpiry() {
        assertThat(names(DebugPods.expired(all, NOW)), contains("repricer-debug-alice-aaaaa"));
        assertThat(names(DebugPods.expired(all, NOW.plus(Duration.ofHours(2)))),
                   contains("repricer-debug-alice-aaaaa", "repricer-debug-bob-ccccc", "repricer-debug-alice-bbbbb"));
    }

    @Test
    void newestIsTheLastCreated() {
        assertThat(DebugPods.newest(DebugPods.ownedBy(all, Owner.of("alice"))).orElseThrow(), is(alicesNew));
    }

    @Test
    void tableShowsOwnerAgeExpiryAndPhase() {
        Pod terminating = new PodBuilder(bobs).editMetadata().withDeletionTimestamp(NOW.toString()).endMetadata()
                                              .build();
        String table = DebugPods.table(List.of(alicesNew, terminating, alicesOld), NOW);
        assertThat(table, is("""
                NAME                         OWNER   AGE   EXPIRES          PHASE
                repricer-debug-alice-aaaaa   alice   3h    expired 1h ago   Running (not ready)
                repricer-debug-bob-ccccc     bob     30m   in 1h30m         Terminating
                repricer-debug-alice-bbbbb   alice   5m    in 1h55m         Running (not ready)
                """));
    }

    @Test
    void aReadyPodShowsRunning() {
        Pod ready = new PodBuilder(bobs).editStatus().addNewCondition().withType("Ready").withStatus("True")
                                        .endCondition().endStatus().build();
        assertThat(DebugPods.row(ready, NOW).phase(), is("Running"));
        Pod bare = Fixtures.debugPod("x", "bob", NOW, Instant.MAX);
        bare.getMetadata().setAnnotations(null);
        bare.setStatus(null);
        assertThat(DebugPods.row(bare, NOW), is(new DebugPods.Row("x", "bob", "0s", "-", "Pending")));
    }

    private static List<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).toList();
    }
}
