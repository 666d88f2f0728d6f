package com.repricer.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static com.repricer.operator.Fixtures.NAMESPACE;
import static com.repricer.operator.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;

/**
 * The loop both long-running commands share, with a pass that only reports what the informer's cache holds. That a
 * change after the start asks for a pass is shown by the reaper's and the guard's loop tests (add and update events).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class InformerLoopTest {

    private static final Duration MAX_IDLE = Duration.ofMinutes(10);

    KubernetesClient client;

    private final MutableClock clock = new MutableClock(NOW);
    /** The names in the cache, one list per pass. */
    private final BlockingQueue<List<String>> passes = new LinkedBlockingQueue<>();
    private CacheReport loop;

    /** Reports the cache's names; asks to be woken at {@code wakeAt} if set. */
    private final class CacheReport extends InformerLoop<ConfigMap> {
        volatile Optional<Instant> wakeAt = Optional.empty();

        CacheReport() {
            super("test-loop", "config maps", client.configMaps().inNamespace(NAMESPACE).runnableInformer(0),
                  MAX_IDLE, Duration.ofSeconds(30), clock, new PrintWriter(new StringWriter(), true));
        }

        @Override
        protected Optional<Instant> pass(List<ConfigMap> cached) {
            passes.add(cached.stream().map(c -> c.getMetadata().getName()).sorted().toList());
            return wakeAt;
        }
    }

    @AfterEach
    void tearDown() {
        if (loop != null) {
            loop.close();
        }
    }

    @Test
    void theFirstPassSeesWhatTheInformerListed() throws Exception {
        create("a");
        loop = started();
        assertThat(awaitPass(names -> true), contains("a"));
        assertThat(loop.isReady(), is(true));
        assertThat(loop.isLive(), is(true));
    }

    @Test
    void theNextPassIsWhenThePassAskedOrAtMostMaxIdleLater() throws Exception {
        loop = started();
        awaitPass(names -> true);
        loop.wakeAt = Optional.of(NOW.plus(Duration.ofMinutes(3)));
        loop.runPassNow(WatchQueue.TIMEOUT);
        assertThat(loop.nextPassAt(), is(Optional.of(NOW.plus(Duration.ofMinutes(3)))));

        loop.wakeAt = Optional.of(NOW.plus(Duration.ofHours(1)));
        loop.runPassNow(WatchQueue.TIMEOUT);
        assertThat(loop.nextPassAt(), is(Optional.of(NOW.plus(MAX_IDLE))));

        loop.wakeAt = Optional.empty();
        loop.runPassNow(WatchQueue.TIMEOUT);
        assertThat(loop.nextPassAt(), is(Optional.of(NOW.plus(MAX_IDLE))));
    }

    @Test
    void closingStopsIt() throws Exception {
        loop = started();
        loop.close();
        assertThat(loop.isLive(), is(false));
        assertThat(loop.isReady(), is(false));
    }

    private CacheReport started() throws Exception {
        CacheReport report = new CacheReport();
        report.start();
        return report;
    }

    private void create(String name) {
        client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                                                                   .endMetadata().build()).create();
    }

    /** Waits (poll with a timeout) for a pass whose cache matches {@code wanted}. */
    private List<String> awaitPass(Predicate<List<String>> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WatchQueue.TIMEOUT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            List<String> names = left <= 0 ? null : passes.poll(left, TimeUnit.NANOSECONDS);
            if (names == null) {
                throw new AssertionError("no matching pass within " + WatchQueue.TIMEOUT);
            }
            if (wanted.test(names)) {
                return names;
            }
        }
    }
}
