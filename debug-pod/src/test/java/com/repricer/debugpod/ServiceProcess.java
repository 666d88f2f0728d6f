package com.repricer.debugpod;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real service ({@code com.repricer.Main}, a test dependency) as a child JVM on this test class path, with its
 * data directory and both ports (0: it picks free ones and logs them) from the environment as SPEC §4 names them.
 * Its output goes to a log file, which is where the ports are read from.
 */
final class ServiceProcess implements AutoCloseable {

    private static final Pattern PORTS = Pattern.compile("API listening on port (\\d+), admin on port (\\d+)");
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Process process;
    private final Path dataDirectory;
    private final Path log;
    private final int apiPort;
    private final int adminPort;

    private ServiceProcess(Process process, Path dataDirectory, Path log, int apiPort, int adminPort) {
        this.process = process;
        this.dataDirectory = dataDirectory;
        this.log = log;
        this.apiPort = apiPort;
        this.adminPort = adminPort;
    }

    /** Starts the service on {@code dataDirectory} and waits until it reports ready. */
    static ServiceProcess startReady(Path dataDirectory, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"),
                "com.repricer.Main"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("REPRICER_DATA_DIR", dataDirectory.toAbsolutePath().toString());
        builder.environment().put("REPRICER_PORT", "0");
        builder.environment().put("REPRICER_ADMIN_PORT", "0");
        Process process = builder.start();
        try {
            int[] ports = new int[2];
            await("the service to log its ports", () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("the service exited with " + process.exitValue() + ":\n" + read(log));
                }
                Matcher m = PORTS.matcher(read(log));
                if (m.find()) {
                    ports[0] = Integer.parseInt(m.group(1));
                    ports[1] = Integer.parseInt(m.group(2));
                    return true;
                }
                return false;
            }, log);
            ServiceProcess service = new ServiceProcess(process, dataDirectory, log, ports[0], ports[1]);
            service.awaitReady();
            return service;
        } catch (RuntimeException | Error e) {
            process.destroyForcibly();
            throw e;
        }
    }

    URI api() {
        return URI.create("http://127.0.0.1:" + apiPort + "/");
    }

    URI admin() {
        return URI.create("http://127.0.0.1:" + adminPort + "/");
    }

    Path results() {
        return dataDirectory.resolve("results");
    }

    /** The records in {@code results/}, counted from the file names. */
    long recordsInFiles() {
        try (var files = Files.list(results())) {
            return files.map(p -> ResultsFileName.parse(p.getFileName().toString()))
                        .flatMap(java.util.Optional::stream)
                        .mapToLong(ResultsFileName::recordCount)
                        .sum();
        } catch (IOException e) {
            return 0;
        }
    }

    private void awaitReady() {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest ready = HttpRequest.newBuilder(admin().resolve("observe/health/ready"))
                                           .timeout(Duration.ofSeconds(2)).build();
            await("the service to be ready", () -> {
                try {
                    return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }, log);
        }
    }

    /** Polls {@code condition} until it holds, failing after {@link #START_TIMEOUT} with the service's log. */
    static void await(String what, BooleanSupplier condition, Path log) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + START_TIMEOUT + " waiting for " + what + "; log:\n"
                                         + read(log));
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    void awaitRecordsInFiles(long count) {
        await(count + " records in results files", () -> recordsInFiles() >= count, log);
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** SIGTERM, as Kubernetes stops a pod; the service exits 0 once everything is durable. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
