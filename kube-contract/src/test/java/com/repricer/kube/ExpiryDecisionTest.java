package com.repricer.kube;

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
        ExpiryDecision decision = ExpiryDecision.decide(debugPod("2026-11-27T20:08:07Z"), NOW);
        assertThat(decision, is(new ExpiryDecision.Delete(Instant.parse("2026-11-27T20:08:07Z"),
                                                          Duration.ofMinutes(5))));
        assertThat(ExpiryDecision.isExpired(debugPod("2026-11-27T20:08:07Z"), NOW), is(true));
    }

    @Test
    void expiryIsInclusive() {
        assertThat(ExpiryDecision.decide(debugPod(NOW.toString()), NOW),
                   is(new ExpiryDecision.Delete(NOW, Duration.ZERO)));
        assertThat(ExpiryDecision.isExpired(debugPod(NOW.toString()), NOW.minusSeconds(1)), is(false));
    }

    @Test
    void futureExpiryIsKeptUntilThen() {
        Instant later = NOW.plusNanos(1);
        assertThat(ExpiryDecision.decide(debugPod(later.toString()), NOW), is(new ExpiryDecision.Keep(later)));
    }

    @Test
    void anyRfc3339OffsetIsUnderstood() {
        // 21:13:07+02:00 is 19:13:07Z: an hour before NOW.
        assertThat(ExpiryDecision.decide(debugPod("2026-11-27T21:13:07+02:00"), NOW),
                   is(new ExpiryDecision.Delete(Instant.parse("2026-11-27T19:13:07Z"), Duration.ofHours(1))));
    }

    @Test
    void whitespaceAroundTheInstantIsIgnored() {
        assertThat(ExpiryDecision.decide(debugPod(" 2026-11-27T20:08:07Z\n"), NOW),
                   is(new ExpiryDecision.Delete(Instant.parse("2026-11-27T20:08:07Z"), Duration.ofMinutes(5))));
    }

    @Test
    void missingAnnotationIsInvalidNotDeleted() {
        ExpiryDecision decision = ExpiryDecision.decide(debugPod(null), NOW);
        assertThat(decision, instanceOf(ExpiryDecision.Invalid.class));
        assertThat(((ExpiryDecision.Invalid) decision).reason(), containsString("no " + KubeNames.EXPIRES_AT_ANNOTATION));
        assertThat(ExpiryDecision.isExpired(debugPod(null), NOW), is(false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "tomorrow", "2026-11-27", "2026-11-27T20:13:07", "1795806787",
                            "2026-13-01T00:00:00Z", "2026-11-27T20:13:07 Z"})
    void unparseableAnnotationIsInvalidAndQuoted(String annotation) {
        ExpiryDecision decision = ExpiryDecision.decide(debugPod(annotation), NOW);
        assertThat(decision, instanceOf(ExpiryDecision.Invalid.class));
        assertThat(((ExpiryDecision.Invalid) decision).reason(), containsString("'" + annotation + "'"));
    }

    @Test
    void podWithoutDebugLabelIsIgnoredEvenIfExpired() {
        Pod plain = new PodBuilder().withNewMetadata().withName("p")
                                    .addToLabels(KubeNames.NAME_LABEL, KubeNames.NAME_VALUE)
                                    .addToAnnotations(KubeNames.EXPIRES_AT_ANNOTATION, NOW.minusSeconds(3600).toString())
                                    .endMetadata().build();
        assertThat(ExpiryDecision.decide(plain, NOW), instanceOf(ExpiryDecision.Ignore.class));
        assertThat(ExpiryDecision.decide(new Pod(), NOW), instanceOf(ExpiryDecision.Ignore.class));
    }

    @Test
    void debugLabelMustBeTrue() {
        Pod pod = new PodBuilder(debugPod(NOW.minusSeconds(60).toString()))
                .editMetadata().addToLabels(KubeNames.DEBUG_LABEL, "false").endMetadata().build();
        assertThat(ExpiryDecision.decide(pod, NOW), instanceOf(ExpiryDecision.Ignore.class));
    }

    @Test
    void podAlreadyBeingDeletedIsIgnored() {
        Pod pod = new PodBuilder(debugPod(NOW.minusSeconds(60).toString()))
                .editMetadata().withDeletionTimestamp(NOW.minusSeconds(5).toString()).endMetadata().build();
        assertThat(ExpiryDecision.decide(pod, NOW), instanceOf(ExpiryDecision.Ignore.class));
        assertThat(ExpiryDecision.isExpired(pod, NOW), is(false));
    }

    /** A pod labelled as a debug pod; {@code expiresAt} null: no annotation. */
    static Pod debugPod(String expiresAt) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withName("p")
                                         .addToLabels(KubeNames.DEBUG_LABEL, KubeNames.DEBUG_VALUE)
                                         .endMetadata();
        if (expiresAt != null) {
            pod.editMetadata().addToAnnotations(KubeNames.EXPIRES_AT_ANNOTATION, expiresAt).endMetadata();
        }
        return pod.build();
    }
}
