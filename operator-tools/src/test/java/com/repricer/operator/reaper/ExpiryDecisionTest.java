package com.repricer.operator.reaper;

import com.repricer.operator.Fixtures;
import com.repricer.operator.KubeNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.is;

class ExpiryDecisionTest {

    private static final Instant NOW = Instant.parse("2026-11-27T20:13:07Z");

    @Test
    void pastExpiryIsDeletedWithHowLongAgo() {
        ExpiryDecision decision = ExpiryDecision.decide(Fixtures.debugPod("p", "2026-11-27T20:08:07Z"), NOW);
        assertThat(decision, is(new ExpiryDecision.Delete(Instant.parse("2026-11-27T20:08:07Z"),
                                                          Duration.ofMinutes(5))));
    }

    @Test
    void expiryIsInclusive() {
        assertThat(ExpiryDecision.decide(Fixtures.debugPod("p", NOW), NOW),
                   is(new ExpiryDecision.Delete(NOW, Duration.ZERO)));
    }

    @Test
    void futureExpiryIsKeptUntilThen() {
        Instant later = NOW.plusNanos(1);
        assertThat(ExpiryDecision.decide(Fixtures.debugPod("p", later), NOW), is(new ExpiryDecision.Keep(later)));
    }

    @Test
    void anyRfc3339OffsetIsUnderstood() {
        // 21:13:07+02:00 is 19:13:07Z: an hour before NOW.
        assertThat(ExpiryDecision.decide(Fixtures.debugPod("p", "2026-11-27T21:13:07+02:00"), NOW),
                   is(new ExpiryDecision.Delete(Instant.parse("2026-11-27T19:13:07Z"), Duration.ofHours(1))));
    }

    @Test
    void missingAnnotationIsInvalidNotDeleted() {
        ExpiryDecision decision = ExpiryDecision.decide(Fixtures.debugPod("p", (String) null), NOW);
        assertThat(decision, instanceOf(ExpiryDecision.Invalid.class));
        assertThat(((ExpiryDecision.Invalid) decision).reason(), containsString("no " + KubeNames.EXPIRES_AT_ANNOTATION));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "tomorrow", "2026-11-27", "2026-11-27T20:13:07", "1795806787", "2026-13-01T00:00:00Z"})
    void unparseableAnnotationIsInvalidAndQuoted(String annotation) {
        ExpiryDecision decision = ExpiryDecision.decide(Fixtures.debugPod("p", annotation), NOW);
        assertThat(decision, instanceOf(ExpiryDecision.Invalid.class));
        assertThat(((ExpiryDecision.Invalid) decision).reason(), containsString("'" + annotation + "'"));
    }

    @Test
    void podWithoutDebugLabelIsIgnoredEvenIfExpired() {
        assertThat(ExpiryDecision.decide(Fixtures.plainPod("p", NOW.minusSeconds(3600)), NOW),
                   instanceOf(ExpiryDecision.Ignore.class));
    }

    @Test
    void debugLabelMustBeTrue() {
        Pod pod = new PodBuilder(Fixtures.debugPod("p", NOW.minusSeconds(60)))
                .editMetadata().addToLabels(KubeNames.DEBUG_LABEL, "false").endMetadata().build();
        assertThat(ExpiryDecision.decide(pod, NOW), instanceOf(ExpiryDecision.Ignore.class));
    }

    @Test
    void podAlreadyBeingDeletedIsIgnored() {
        Pod pod = new PodBuilder(Fixtures.debugPod("p", NOW.minusSeconds(60)))
                .editMetadata().withDeletionTimestamp(NOW.minusSeconds(5).toString()).endMetadata().build();
        assertThat(ExpiryDecision.decide(pod, NOW), instanceOf(ExpiryDecision.Ignore.class));
    }

    @Test
    void overdueReadsLikeKubectl() {
        assertThat(Reaper.human(Duration.ofSeconds(45)), is("45s"));
        assertThat(Reaper.human(Duration.ofMinutes(12)), is("12m"));
        assertThat(Reaper.human(Duration.ofMinutes(185)), is("3h5m"));
        assertThat(Reaper.human(Duration.ofHours(52)), is("2d4h"));
        assertThat(Reaper.human(Duration.ofDays(3)), is("3d"));
    }

    @Test
    void aNegativeDurationReadsAsItsLength() {
        // as debug-pod's list shows it: the sign is said in words ("in 5m", "5m ago"), never as "-300s"
        assertThat(Reaper.human(Duration.ofSeconds(-45)), is("45s"));
        assertThat(Reaper.human(Duration.ofMinutes(-185)), is("3h5m"));
    }
}
