package com.repricer.kube;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class HumanDurationTest {

    @Test
    void readsLikeKubectl() {
        assertThat(HumanDuration.format(Duration.ZERO), is("0s"));
        assertThat(HumanDuration.format(Duration.ofSeconds(42)), is("42s"));
        assertThat(HumanDuration.format(Duration.ofMinutes(12)), is("12m"));
        assertThat(HumanDuration.format(Duration.ofMinutes(65)), is("1h5m"));
        assertThat(HumanDuration.format(Duration.ofMinutes(185)), is("3h5m"));
        assertThat(HumanDuration.format(Duration.ofHours(2)), is("2h"));
        assertThat(HumanDuration.format(Duration.ofHours(52)), is("2d4h"));
        assertThat(HumanDuration.format(Duration.ofHours(76)), is("3d4h"));
        assertThat(HumanDuration.format(Duration.ofDays(3)), is("3d"));
    }

    @Test
    void cutsDownToWholeUnits() {
        assertThat(HumanDuration.format(Duration.ofSeconds(59, 999_999_999)), is("59s"));
        assertThat(HumanDuration.format(Duration.ofSeconds(3599)), is("59m"));
        assertThat(HumanDuration.format(Duration.ofMinutes(24 * 60 - 1)), is("23h59m"));
    }

    @Test
    void aNegativeDurationReadsAsItsLength() {
        assertThat(HumanDuration.format(Duration.ofSeconds(-45)), is("45s"));
        assertThat(HumanDuration.format(Duration.ofMinutes(-185)), is("3h5m"));
        assertThat(HumanDuration.format(Duration.ofHours(-76)), is("3d4h"));
    }
}
