package com.repricer.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class DebugPodMetadataTest {

    @Test
    void readsTheLabelsAndTheAnnotation() {
        Pod pod = new PodBuilder(ExpiryDecisionTest.debugPod(" 2026-11-27T20:13:07+01:00"))
                .editMetadata().addToLabels(KubeNames.OWNER_LABEL, "alice").endMetadata().build();
        assertThat(DebugPodMetadata.isDebugPod(pod), is(true));
        assertThat(DebugPodMetadata.owner(pod), is(Optional.of("alice")));
        assertThat(DebugPodMetadata.expiresAtAnnotation(pod), is(Optional.of(" 2026-11-27T20:13:07+01:00")));
        assertThat(DebugPodMetadata.expiresAt(pod), is(Optional.of(Instant.parse("2026-11-27T19:13:07Z"))));
    }

    @Test
    void aPodWithoutMetadataSaysNothing() {
        Pod bare = new Pod();
        assertThat(DebugPodMetadata.isDebugPod(bare), is(false));
        assertThat(DebugPodMetadata.owner(bare), is(Optional.empty()));
        assertThat(DebugPodMetadata.expiresAt(bare), is(Optional.empty()));
        Pod unlabelled = new PodBuilder().withNewMetadata().withName("p").endMetadata().build();
        assertThat(DebugPodMetadata.isDebugPod(unlabelled), is(false));
        assertThat(DebugPodMetadata.expiresAtAnnotation(unlabelled), is(Optional.empty()));
    }

    @Test
    void anInvalidAnnotationIsKeptAsWrittenButIsNoExpiry() {
        Pod pod = ExpiryDecisionTest.debugPod("tomorrow");
        assertThat(DebugPodMetadata.expiresAtAnnotation(pod), is(Optional.of("tomorrow")));
        assertThat(DebugPodMetadata.expiresAt(pod), is(Optional.empty()));
    }
}
