package com.repricer.operator.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The repair {@code guard --fix} applies: a JSON merge patch (RFC 7386) of the fixable violations alone — one
 * replica, the {@code Recreate} strategy (whose {@code rollingUpdate} parameters the API would reject, so they are
 * removed). Nothing else is ever patched: no volume, claim or pod is touched, so no data can be lost.
 */
public final class SafeFix {

    private SafeFix() {
    }

    /** The merge patch repairing the fixable violations, or empty if none is fixable. */
    public static Optional<String> mergePatch(List<Violation> violations) {
        List<String> spec = new ArrayList<>();
        for (Violation v : violations) {
            switch (v.kind()) {
                case REPLICAS -> spec.add("\"replicas\":1");
                case STRATEGY -> spec.add("\"strategy\":{\"type\":\"" + DeploymentChecks.RECREATE
                                          + "\",\"rollingUpdate\":null}");
                default -> {
                }
            }
        }
        return spec.isEmpty() ? Optional.empty() : Optional.of("{\"spec\":{" + String.join(",", spec) + "}}");
    }
}
