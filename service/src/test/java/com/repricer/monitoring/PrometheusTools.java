package com.repricer.monitoring;

import com.repricer.fixtures.ExternalCommand;
import com.repricer.fixtures.ExternalCommand.Outcome;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's {@code prometheus} package: {@code promtool} and the {@code prometheus} server, found on the PATH.
 *
 * <p>Without them a test is skipped with a message saying how to install them; with {@code CI} set in the
 * environment it fails instead ({@code .ci/run} installs the package, so a missing tool there is a broken
 * set-up, not a reason to pass).
 */
final class PrometheusTools {

    private static final String INSTALL = "apt-get install prometheus (Debian's package brings promtool and prometheus)";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private PrometheusTools() {
    }

    /** The path of {@code name} (promtool, prometheus) on the PATH; skips or (in CI) fails the test without it. */
    static Path require(String name) {
        Optional<Path> found = ExternalCommand.onPath(name);
        if (found.isEmpty()) {
            String message = name + " is not on the PATH; " + INSTALL;
            if (System.getenv("CI") != null) {
                fail(message + " (CI is set, so this fails rather than skips)");
            }
            Assumptions.abort(message + " — skipping");
        }
        return found.get();
    }

    /** The path of {@code name} on the PATH, or the test is skipped (also in CI): for tools .ci/run does not install. */
    static Path optional(String name) {
        Optional<Path> found = ExternalCommand.onPath(name);
        Assumptions.assumeTrue(found.isPresent(), name + " is not on the PATH — skipping");
        return found.get();
    }

    /** Runs {@code promtool args…} in {@code directory} with {@code stdin} as its input. */
    static Outcome promtool(Path directory, byte[] stdin, String... args) {
        return run(require("promtool"), directory, stdin, args);
    }

    /** Runs {@code executable args…} in {@code directory} with {@code stdin} as its input, and waits for it. */
    static Outcome run(Path executable, Path directory, byte[] stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(args));
        return ExternalCommand.run(command, directory, Map.of(), stdin, COMMAND_TIMEOUT);
    }
}
