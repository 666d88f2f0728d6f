package com.repricer.crash;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service as a child JVM: {@code com.repricer.Main} on the test class path, with the data directory and
 * both ports (0: the service picks them and logs them) from the environment, as SPEC §4 names them. Its
 * output (stdout and stderr merged) goes to a log file, which is where the ports are read from.
 */
final class ServiceProcess implements AutoCloseable {

    /** Linux: a process killed by a signal exits with 128 + the signal's number. */
    static final int EXIT_SIGKILL = 128 + 9;

    private static final Pattern PORTS = Pattern.compile("API listening on port (\\d+), admin on port (\\d+)");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Process process;
    private final Path dataDirectory;
    private final Path logFile;
    private int[] ports;
    private final HttpClient http = HttpClient.newBuilder()
                                              .version(HttpClient.Version.HTTP_1_1)
                                              .connectTimeout(Duration.ofSeconds(2))
                                              .build();

    private ServiceProcess(Process process, Path dataDirectory, Path logFile) {
        this.process = process;
        this.dataDirectory = dataDirectory;
        this.logFile = logFile;
    }

    /** Launches the service on {@code dataDirectory}; its output goes to {@code logFile}. */
    static ServiceProcess start(Path dataDirectory, Path logFile) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("com.repricer.Main");
        // To a file, not a pipe: when a process exits, the JDK drains and closes its pipe under a reading
        // thread, and the last lines (those of a shutdown) can be lost.
        Files.createDirectories(logFile.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                                                            .redirectOutput(logFile.toFile());
        builder.environment().put("REPRICER_DATA_DIR", dataDirectory.toAbsolutePath().toString());
        builder.environment().put("REPRICER_PORT", "0");
        builder.environment().put("REPRICER_ADMIN_PORT", "0");
        return new ServiceProcess(builder.start(), dataDirectory, logFile);
    }

    /** Starts the service and waits until it reports ready (recovery done). */
    static ServiceProcess startReady(Path dataDirectory, Path logFile) throws IOException {
        ServiceProcess service = start(dataDirectory, logFile);
        try {
            service.awaitReady(START_TIMEOUT);
            return service;
        } catch (RuntimeException | Error e) {
            service.close();
            throw e;
        }
    }

    Process process() {
        return process;
    }

    /** Everything the process printed so far (stdout and stderr). */
    String output() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "[test] cannot read " + logFile + ": " + e;
        }
    }

    int apiPort() {
        return ports()[0];
    }

    int adminPort() {
        return ports()[1];
    }

    private synchronized int[] ports() {
        if (ports == null) {
            await("the service to log its ports in " + logFile, START_TIMEOUT, () -> {
                Matcher m = PORTS.matcher(output());
                if (m.find()) {
                    ports = new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
                    return true;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("the service exited with " + process.exitValue()
                                             + " before it logged its ports; output:\n" + output());
                }
                return false;
            }, this::output);
        }
        return ports;
    }

    URI api(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + apiPort() + pathAndQuery);
    }

    URI admin(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + adminPort() + pathAndQuery);
    }

    /** Polls {@code /observe/health/ready} on the admin port until it answers 200. */
    void awaitReady(Duration timeout) {
        HttpRequest ready = HttpRequest.newBuilder(admin("/observe/health/ready"))
                                       .timeout(Duration.ofSeconds(2))
                                       .GET()
                                       .build();
        await("service on " + dataDirectory + " ready", timeout, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("the service exited with " + process.exitValue()
                                         + " before it was ready; output:\n" + output());
            }
            try {
                return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, this::output);
    }

    /** SIGKILL ({@code kill -9}); returns the exit code once the process is gone. */
    int kill() {
        process.destroyForcibly();
        return awaitExit(Duration.ofSeconds(10));
    }

    /** SIGTERM; returns the exit code, failing if the process is still running after {@code timeout}. */
    int terminate(Duration timeout) {
        process.destroy();
        return awaitExit(timeout);
    }

    /** The exit code, failing if the process is still running after {@code timeout}. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the service did not exit within " + timeout + "; output:\n" + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    /** Kills the process if it still runs (cleanup after a failed test). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        http.close();
    }

    /**
     * Polls {@code condition} until it holds, at most {@code timeout}.
     *
     * @throws AssertionError naming {@code what} and the {@code context} if it never holds
     */
    static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> context) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n"
                                         + context.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
