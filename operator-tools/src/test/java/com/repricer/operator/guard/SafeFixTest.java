package com.repricer.operator.guard;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class SafeFixTest {

    private static final Violation REPLICAS = new Violation(Violation.Kind.REPLICAS, "3 replicas");
    private static final Violation STRATEGY = new Violation(Violation.Kind.STRATEGY, "RollingUpdate");
    private static final Violation PROBE = new Violation(Violation.Kind.LIVENESS_PROBE, "none");
    private static final Violation SHARED = new Violation(Violation.Kind.CLAIM_SHARED, "a second pod");

    @Test
    void replicasAndStrategyArePatchedTogether() {
        assertThat(SafeFix.mergePatch(List.of(REPLICAS, PROBE, STRATEGY)), is(Optional.of(
                "{\"spec\":{\"replicas\":1,\"strategy\":{\"type\":\"Recreate\",\"rollingUpdate\":null}}}")));
    }

    @Test
    void eachAlone() {
        assertThat(SafeFix.mergePatch(List.of(REPLICAS)), is(Optional.of("{\"spec\":{\"replicas\":1}}")));
        assertThat(SafeFix.mergePatch(List.of(STRATEGY)), is(Optional.of(
                "{\"spec\":{\"strategy\":{\"type\":\"Recreate\",\"rollingUpdate\":null}}}")));
    }

    @Test
    void nothingFixableMeansNoPatch() {
        assertThat(SafeFix.mergePatch(List.of(PROBE, SHARED)), is(Optional.empty()));
        assertThat(SafeFix.mergePatch(List.of()), is(Optional.empty()));
    }

    @Test
    void onlyReplicasAndStrategyAreFixable() {
        for (Violation.Kind kind : Violation.Kind.values()) {
            assertThat(kind.id(), kind.fixable(), is(kind == Violation.Kind.REPLICAS
                                                     || kind == Violation.Kind.STRATEGY));
        }
    }
}
