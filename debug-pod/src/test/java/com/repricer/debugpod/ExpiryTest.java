package com.repricer.debugpod;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

import static com.repricer.debugpod.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ExpiryTest {

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void expiryIsNowPlusTtlInWholeSecondsRfc3339Utc() {
        assertThat(Expiry.expiresAt(clock.instant(), Duration.ofHours(2)), is("2026-11-27T20:13:07Z"));
        assertThat(Expiry.expiresAt(clock.instant(), Duration.ofMinutes(90)), is("2026-11-27T19:43:07Z"));
    }

    @Test
    void deadlineIsABackstopAfterTheTtl() {
        assertThat(Expiry.activeDeadlineSeconds(Duration.ofHours(2)), is(2 * 3600L + 300));
    }

    @ParameterizedTest
    @CsvSource({"2h, PT2H", "90m, PT1H30M", "1h30m, PT1H30M", "45s, PT45S", "PT3H, PT3H", "24h, PT24H"})
    void parsesTtls(String text, String expected) {
        assertThat(Expiry.parseTtl(text), is(Duration.parse(expected)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0h", "25h", "2 hours", "-1h", "PT-1H", "h"})
    void refusesBadTtls(String text) {
        assertThrows(IllegalArgumentException.class, () -> Expiry.parseTtl(text));
    }

    @Test
    void aPodIsExpiredFromItsExpiryOn() {
        Pod pod = withExpiry("2026-11-27T18:13:07Z");
        assertThat(Expiry.isExpired(pod, Instant.parse("2026-11-27T18:13:06Z")), is(false));
        assertThat(Expiry.isExpired(pod, Instant.parse("2026-11-27T18:13:07Z")), is(true));
        assertThat(Expiry.isExpired(pod, NOW), is(true));
    }

    @Test
    void readsOffsetsAndIgnoresMalformedOrMissingAnnotations() {
        assertThat(Expiry.of(withExpiry("2026-11-27T20:13:07+02:00")),
                   is(Optional.of(Instant.parse("2026-11-27T18:13:07Z"))));
        assertThat(Expiry.of(withExpiry("tomorrow")), is(Optional.empty()));
        assertThat(Expiry.isExpired(withExpiry("tomorrow"), NOW), is(false));
        assertThat(Expiry.isExpired(new PodBuilder().withNewMetadata().withName("x").endMetadata().build(), NOW),
                   is(false));
    }

    @Test
    void humanDurationsReadLikeKubectl() {
        assertThat(Expiry.human(Duration.ofSeconds(42)), is("42s"));
        assertThat(Expiry.human(Duration.ofMinutes(12)), is("12m"));
        assertThat(Expiry.human(Duration.ofMinutes(65)), is("1h5m"));
        assertThat(Expiry.human(Duration.ofHours(2)), is("2h"));
        assertThat(Expiry.human(Duration.ofHours(76)), is("3d4h"));
    }

    private static Pod withExpiry(String annotation) {
        return new PodBuilder().withNewMetadata().withName("p")
                               .withAnnotations(Map.of(DebugPodLabels.EXPIRES_AT_ANNOTATION, annotation))
                               .endMetadata().build();
    }
}
