package com.repricer.delivery;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The kubectl on the PATH, run as a user runs it. Where there is none, the tests that need it are skipped with a
 * message saying so; where {@value #REQUIRE} is {@code true} (the pipeline's Test stage), they fail instead.
 */
final class Kubectl {

    static final String REQUIRE = "REPRICER_REQUIRE_KUBECTL";
    private static final long TIMEOUT_SECONDS = 120;

    /** What a kubectl run printed and how it ended. */
    record Run(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private Kubectl() {
    }

    /** The kubectl executable on this process's PATH; skips (or fails, see {@link #REQUIRE}) without one. */
    static Path executable() {
        Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                                     .filter(dir -> !dir.isEmpty())
                                     .map(dir -> Path.of(dir, "kubectl"))
                                     .filter(Files::isExecutable)
                                     .findFirst();
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
    static Run run(Map<String, String> environment, String... arguments) {
        List<String> command = Stream.concat(Stream.of(executable().toString()), Stream.of(arguments)).toList();
        ProcessBuilder builder = new ProcessBuilder(command).directory(RepoFiles.root().toFile());
        environment.forEach((name, value) -> {
            if (value == null) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> text(process.getErrorStream()));
            String out = text(process.getInputStream());
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " ran over " + TIMEOUT_SECONDS + " s");
            }
            return new Run(process.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + command, e);
        }
    }

    private static String text(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
