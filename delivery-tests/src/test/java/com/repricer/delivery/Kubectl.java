package com.repricer.delivery;

import com.repricer.fixtures.RepositoryFiles;

import com.repricer.fixtures.ExternalCommand;
import com.repricer.fixtures.ExternalCommand.Outcome;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The kubectl on the PATH, run as a user runs it. Where there is none, the tests that need it are skipped with a
 * message saying so; where {@value #REQUIRE} is {@code true} (the pipeline's Test stage), they fail instead.
 */
final class Kubectl {

    static final String REQUIRE = "REPRICER_REQUIRE_KUBECTL";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private Kubectl() {
    }

    /** The kubectl executable on this process's PATH; skips (or fails, see {@link #REQUIRE}) without one. */
    static Path executable() {
        Optional<Path> found = ExternalCommand.onPath("kubectl");
        if (found.isEmpty()) {
            String message = "kubectl is not on the PATH: the kustomize and kubectl plugin checks are skipped "
                             + "(install kubectl >= 1.21, see docs/deployment.md)";
            if (Boolean.parseBoolean(System.getenv(REQUIRE))) {
                throw new AssertionError(message + "; " + REQUIRE + " is set, so this is a failure");
            }
            Assumptions.abort(message);
        }
        return found.orElseThrow();
    }

    /**
     * Runs kubectl in the repository root with {@code arguments}.
     *
     * @param environment replaces these variables of this process's environment (a null value removes one)
     */
    static Outcome run(Map<String, String> environment, String... arguments) {
        List<String> command = Stream.concat(Stream.of(executable().toString()), Stream.of(arguments)).toList();
        return ExternalCommand.run(command, RepositoryFiles.root(), environment, new byte[0], TIMEOUT);
    }
}
