package com.repricer.kube;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.Optional;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class ExpiresAtTest {

    @Test
    void writesRfc3339UtcInWholeSeconds() {
        assertThat(ExpiresAt.format(Instant.parse("2026-11-27T20:13:07.999Z")), is("2026-11-27T20:13:07Z"));
        assertThat(ExpiresAt.format(Instant.parse("2026-11-27T20:13:00Z")), is("2026-11-27T20:13:00Z"));
    }

    @Test
    void readsWhatItWrites() {
        Instant expiry = Instant.parse("2026-11-27T20:13:07Z");
        assertThat(ExpiresAt.parse(ExpiresAt.format(expiry)), is(Optional.of(expiry)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2026-11-27T20:13:07Z|2026-11-27T20:13:07Z",
            "2026-11-27T20:13:07+02:00|2026-11-27T18:13:07Z",
            "2026-11-27T20:13:07.5-01:30|2026-11-27T21:43:07.5Z",
            "'  2026-11-27T20:13:07Z  '|2026-11-27T20:13:07Z"})
    void readsAnyOffsetAndIgnoresSurroundingWhitespace(String value, String instant) {
        assertThat(ExpiresAt.parse(value), is(Optional.of(Instant.parse(instant))));
    }

    @Test
    void tabsAndLineBreaksAroundTheValueAreWhitespaceToo() {
        assertThat(ExpiresAt.parse("\t2026-11-27T20:13:07Z\n"), is(Optional.of(Instant.parse("2026-11-27T20:13:07Z"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "tomorrow", "2026-11-27", "2026-11-27T20:13:07", "1795806787",
                            "2026-13-01T00:00:00Z", "2026-11-27T20:13:07 Z", "2026-11-27 20:13:07Z"})
    void anythingElseIsNoExpiry(String value) {
        assertThat(ExpiresAt.parse(value), is(Optional.empty()));
    }

    @Test
    void noValueIsNoExpiry() {
        assertThat(ExpiresAt.parse(null), is(Optional.empty()));
    }
}
