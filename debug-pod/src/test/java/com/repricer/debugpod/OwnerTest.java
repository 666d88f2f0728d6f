package com.repricer.debugpod;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OwnerTest {

    /** A valid label value that is also a valid DNS label part: what both the label and the pod name need. */
    private static final String LABEL_AND_HOST_NAME = "[a-z0-9]([a-z0-9-]*[a-z0-9])?";

    @ParameterizedTest
    @CsvSource({
            "alice, alice",
            "Alice.Smith@contoso.com, alice-smith-contoso-com",
            "CORP\\bob, corp-bob",
            "__weird__--name__, weird-name",
            "Jürgen, j-rgen",
            "'---', unknown",
            "'', unknown",
    })
    void sanitisesToALabelValueAndHostNamePart(String raw, String expected) {
        Owner owner = Owner.of(raw);
        assertThat(owner.value(), is(expected));
        assertThat(owner.value(), matchesPattern(LABEL_AND_HOST_NAME));
    }

    @Test
    void capsTheLengthSoThePodNameStaysAValidHostName() {
        Owner owner = Owner.of("a".repeat(39) + "-" + "b".repeat(30));
        assertThat(owner.value(), is("a".repeat(39)));
        String podName = DebugPodSpec.podName(Owner.of("x".repeat(100)), new Random(1));
        assertThat(podName.length() <= 63, is(true));
        assertThat(podName, matchesPattern(LABEL_AND_HOST_NAME));
    }

    @Test
    void resolvesOptionThenUserThenUsername() {
        assertThat(Owner.resolve(Optional.of("Carol"), Map.of("USER", "dave")).value(), is("carol"));
        assertThat(Owner.resolve(Optional.empty(), Map.of("USER", "dave", "USERNAME", "erin")).value(), is("dave"));
        assertThat(Owner.resolve(Optional.empty(), Map.of("USERNAME", "Erin")).value(), is("erin"));
        assertThat(Owner.resolve(Optional.empty(), Map.of()).value(), is("unknown"));
    }

    @Test
    void refusesAnUnsanitisedValue() {
        assertThrows(IllegalArgumentException.class, () -> new Owner("Alice"));
    }
}
