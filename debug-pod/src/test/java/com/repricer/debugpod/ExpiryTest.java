package com.repricer.debugpod;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;

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
}
