package com.repricer.operator.reaper;

import com.repricer.operator.EventRecorder;
import com.repricer.operator.Fixtures;
import com.repricer.operator.MutableClock;
import com.repricer.operator.WatchQueue;
import io.fabric8.kubernetes.api.model.Pod;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static com.repricer.operator.Fixtures.NAMESPACE;
import static com.repricer.operator.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

/** The informer-driven reaper: deletions awaited on the test's own watch, time moved by hand. */
@EnableKubernetesMockClient(crud = true, https = false)
class ReaperLoopTest {

    private static final Duration TIMEOUT = WatchQueue.TIMEOUT;

    KubernetesClient client;

    private final MutableClock clock = new MutableClock(NOW);
    private final StringWriter log = new StringWriter();
    private final BlockingQueue<Reaper.Pass> passes = new LinkedBlockingQueue<>();
    private WatchQueue<Pod> pods;
    private ReaperLoop loop;

    @BeforeEach
    void setUp() {
        pods = new WatchQueue<>(client.pods().inNamespace(NAMESPACE));
    }

    @AfterEach
    void tearDown() {
        if (loop != null) {
            loop.close();
        }
        pods.close();
    }

    @Test
    void deletesWhatIsExpiredAtStartAndSchedulesTheNextExpiry() throws Exception {
        create(Fixtures.debugPod("expired", NOW.minusSeconds(1)));
        create(Fixtures.debugPod("later", NOW.plus(Duration.ofMinutes(5))));
        create(Fixtures.debugPod("unannotated", (String) null));
        create(Fixtures.plainPod("production", NOW.minus(Duration.ofDays(1))));

        loop = start();

        List<WatchQueue.Event<Pod>> seen = pods.awaitDeleted("expired");
        assertThat(seen.stream().filter(e -> e.action() == Watcher.Action.DELETED).map(WatchQueue.Event::name)
                       .toList(), is(List.of("expired")));
        Reaper.Pass pass = loop.passNow(TIMEOUT);
        assertThat(pass.nextExpiry(), is(Optional.of(NOW.plus(Duration.ofMinutes(5)))));
        assertThat(loop.nextPassAt(), is(Optional.of(NOW.plus(Duration.ofMinutes(5)))));
        assertThat(pod("later"), notNullValue());
        assertThat(pod("unannotated"), notNullValue());
        assertThat(pod("production"), notNullValue());
    }

    @Test
    void theScheduledPassDeletesThePodOnceItsTimeHasCome() throws Exception {
        create(Fixtures.debugPod("later", NOW.plus(Duration.ofMinutes(30))));
        loop = start();
        assertThat(loop.passNow(TIMEOUT).deleted(), is(List.of()));

        clock.advance(Duration.ofMinutes(30));
        Reaper.Pass pass = loop.passNow(TIMEOUT);

        assertThat(pass.deleted(), is(List.of(NAMESPACE + "/later")));
        pods.awaitDeleted("later");
        assertThat(loop.nextPassAt(), is(Optional.of(clock.instant().plus(ReaperLoop.MAX_IDLE))));
    }

    @Test
    void aPodThatArrivesAlreadyExpiredIsDeletedOnItsAddEvent() throws Exception {
        loop = start();
        create(Fixtures.plainPod("bystander", NOW.minus(Duration.ofDays(1))));
        create(Fixtures.debugPod("stale", NOW.minus(Duration.ofHours(3))));

        List<WatchQueue.Event<Pod>> seen = pods.awaitDeleted("stale");

        assertThat(seen.stream().anyMatch(e -> e.action() == Watcher.Action.DELETED
                                               && e.name().equals("bystander")), is(false));
        assertThat(pod("bystander"), notNullValue());
    }

    @Test
    void anEarlierExpiryArrivingLaterMovesTheNextPassForward() throws Exception {
        create(Fixtures.debugPod("in-an-hour", NOW.plus(Duration.ofHours(1))));
        loop = start();
        assertThat(loop.passNow(TIMEOUT).nextExpiry(), is(Optional.of(NOW.plus(Duration.ofHours(1)))));
        assertThat("a far expiry waits at most MAX_IDLE", loop.nextPassAt(),
                   is(Optional.of(NOW.plus(ReaperLoop.MAX_IDLE))));

        create(Fixtures.debugPod("in-a-minute", NOW.plus(Duration.ofMinutes(1))));
        awaitPass(pass -> pass.kept().contains(NAMESPACE + "/in-a-minute"));
        loop.passNow(TIMEOUT);   // runs after the informer's pass: its plan is settled

        assertThat(loop.nextPassAt(), is(Optional.of(NOW.plus(Duration.ofMinutes(1)))));
    }

    @Test
    void healthFollowsTheInformer() throws Exception {
        loop = start();
        assertThat(loop.isLive(), is(true));
        assertThat(loop.isReady(), is(true));
        loop.close();
        assertThat(loop.isLive(), is(not(true)));
    }

    private ReaperLoop start() throws Exception {
        Reaper reaper = new Reaper(client, clock, new EventRecorder(client, clock, Reaper.COMPONENT, "test-host"),
                                   new PrintWriter(log, true));
        return ReaperLoop.start(client, Optional.of(NAMESPACE), reaper, clock, new PrintWriter(log, true),
                                passes::add);
    }

    /** Waits (poll with timeout) for a pass the informer triggered that matches {@code wanted}. */
    private Reaper.Pass awaitPass(Predicate<Reaper.Pass> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Reaper.Pass pass = left <= 0 ? null : passes.poll(left, TimeUnit.NANOSECONDS);
            if (pass == null) {
                throw new AssertionError("no matching pass within " + TIMEOUT);
            }
            if (wanted.test(pass)) {
                return pass;
            }
        }
    }

    private Pod pod(String name) {
        return client.pods().inNamespace(NAMESPACE).withName(name).get();
    }

    private void create(Pod pod) {
        client.pods().inNamespace(NAMESPACE).resource(pod).create();
    }
}
