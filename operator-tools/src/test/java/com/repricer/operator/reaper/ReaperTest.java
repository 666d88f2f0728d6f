package com.repricer.operator.reaper;

import com.repricer.kube.KubeNames;
import com.repricer.operator.EventRecorder;
import com.repricer.operator.Fixtures;
import com.repricer.operator.MutableClock;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
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
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/** One pass at a time, over a fresh list: what {@code reaper --once} does. */
@EnableKubernetesMockClient(crud = true, https = false)
class ReaperTest {

    KubernetesClient client;

    private final MutableClock clock = new MutableClock(NOW);
    private final StringWriter log = new StringWriter();
    private Reaper reaper;

    @BeforeEach
    void setUp() {
        reaper = new Reaper(client, clock, new EventRecorder(client, clock, Reaper.COMPONENT, "test-host"),
                            new PrintWriter(log, true));
        create(Fixtures.debugPod("expired", NOW.minus(Duration.ofMinutes(5))));
        create(Fixtures.debugPod("later", NOW.plus(Duration.ofHours(1))));
        create(Fixtures.debugPod("latest", NOW.plus(Duration.ofHours(2))));
        create(Fixtures.debugPod("unannotated", (String) null));
        create(Fixtures.debugPod("garbled", "next tuesday"));
        create(Fixtures.plainPod("production", NOW.minus(Duration.ofDays(1))));
    }

    @Test
    void deletesTheExpiredPodOnlyAndSaysWhenToComeBack() {
        Reaper.Pass pass = reaper.reconcile(debugPods());

        assertThat(pass.deleted(), is(List.of(NAMESPACE + "/expired")));
        assertThat(pass.kept(), containsInAnyOrder(NAMESPACE + "/later", NAMESPACE + "/latest"));
        assertThat(pass.invalid(), containsInAnyOrder(NAMESPACE + "/unannotated", NAMESPACE + "/garbled"));
        assertThat(pass.failed(), is(empty()));
        assertThat(pass.nextExpiry(), is(Optional.of(NOW.plus(Duration.ofHours(1)))));
        assertThat(pod("expired"), nullValue());
        for (String left : List.of("later", "latest", "unannotated", "garbled", "production")) {
            assertThat(left + " must survive", pod(left), notNullValue());
        }
    }

    @Test
    void podsWithoutTheDebugLabelAreUntouchedEvenIfHandedOver() {
        Reaper.Pass pass = reaper.reconcile(List.of(pod("production")));

        assertThat(pass.deleted(), is(empty()));
        assertThat(pass.invalid(), is(empty()));
        assertThat(pod("production"), notNullValue());
    }

    @Test
    void recordsAnEventSayingWhy() {
        reaper.reconcile(debugPods());

        List<Event> events = client.v1().events().inNamespace(NAMESPACE).list().getItems();
        assertThat(events, hasSize(1));
        Event event = events.getFirst();
        assertThat(event.getReason(), is(Reaper.EXPIRED_REASON));
        assertThat(event.getType(), is(EventRecorder.NORMAL));
        assertThat(event.getInvolvedObject().getKind(), is("Pod"));
        assertThat(event.getInvolvedObject().getName(), is("expired"));
        assertThat(event.getMessage(), containsString("owner alice"));
        assertThat(event.getMessage(), containsString("expired at " + NOW.minus(Duration.ofMinutes(5))));
        assertThat(event.getMessage(), containsString("5m ago"));
        assertThat(event.getSource().getComponent(), is(Reaper.COMPONENT));
        assertThat(event.getFirstTimestamp(), is(NOW.toString()));
    }

    @Test
    void laterPassDeletesWhatHasExpiredSince() {
        reaper.reconcile(debugPods());
        clock.advance(Duration.ofMinutes(61));

        Reaper.Pass pass = reaper.reconcile(debugPods());

        assertThat(pass.deleted(), is(List.of(NAMESPACE + "/later")));
        assertThat(pass.nextExpiry(), is(Optional.of(NOW.plus(Duration.ofHours(2)))));
        assertThat(pod("latest"), notNullValue());
    }

    @Test
    void invalidPodsAreReportedOnceWithTheReason() {
        reaper.reconcile(debugPods());
        reaper.reconcile(debugPods());

        String output = log.toString();
        assertThat(output, containsString("left alone pod " + NAMESPACE + "/unannotated (owner alice): no "
                                          + KubeNames.EXPIRES_AT_ANNOTATION + " annotation"));
        assertThat(output, containsString("left alone pod " + NAMESPACE + "/garbled (owner alice): "
                                          + KubeNames.EXPIRES_AT_ANNOTATION
                                          + " is not an RFC 3339 date-time: 'next tuesday'"));
        assertThat(output.split("left alone pod " + NAMESPACE + "/garbled", -1).length - 1, is(1));
    }

    @Test
    void podDeletedBySomeoneElseMeanwhileIsNeitherFailureNorEvent() {
        List<Pod> stale = debugPods();
        client.pods().inNamespace(NAMESPACE).withName("expired").delete();

        Reaper.Pass pass = reaper.reconcile(stale);

        assertThat(pass.failed(), is(empty()));
        assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems(), is(empty()));
    }

    private List<Pod> debugPods() {
        return client.pods().inNamespace(NAMESPACE).withLabel(KubeNames.DEBUG_LABEL, KubeNames.DEBUG_VALUE).list()
                     .getItems();
    }

    private Pod pod(String name) {
        return client.pods().inNamespace(NAMESPACE).withName(name).get();
    }

    private void create(Pod pod) {
        client.pods().inNamespace(NAMESPACE).resource(pod).create();
    }
}
