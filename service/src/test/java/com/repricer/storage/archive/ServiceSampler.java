package com.repricer.storage.archive;

import com.repricer.fixtures.ExternalCommand;
import com.repricer.fixtures.ServiceProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Once a second, while a service runs: its readiness, the inodes in use on its file system ({@code stat -f}, the
 * numbers {@code df -i} shows), and how many files are loose in {@code results/} and stored in {@code archive/}.
 */
final class ServiceSampler implements AutoCloseable {

    /** One second's look: {@code ready} is whether {@code /observe/health/ready} answered 200 within 1 s. */
    record Sample(long millis, boolean ready, long inodesUsed, long looseFiles, long archiveFiles, String lagSeconds) {

        String line() {
            return String.format("%7.1f  %-9s  %6d  %6d  %7d  %s", millis / 1000.0, ready ? "ready" : "NOT READY",
                                 inodesUsed, looseFiles, archiveFiles, lagSeconds);
        }
    }

    static final String HEADER = "      s  readiness  inodes   loose  archive  repricer_archive_lag_seconds";
    private static final Pattern LAG = Pattern.compile("(?m)^repricer_archive_lag_seconds\\{[^}]*} ([0-9.eE+-]+)$");

    private final ServiceProcess service;
    private final Path mountPoint;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                                              .connectTimeout(Duration.ofSeconds(1)).build();
    private final long started = System.nanoTime();
    private final Thread thread;

    ServiceSampler(ServiceProcess service, Path mountPoint) {
        this.service = service;
        this.mountPoint = mountPoint;
        this.thread = Thread.ofPlatform().daemon().name("service-sampler").start(this::sampleEverySecond);
    }

    private void sampleEverySecond() {
        long next = System.nanoTime();
        while (!Thread.currentThread().isInterrupted()) {
            samples.add(sample());
            next += TimeUnit.SECONDS.toNanos(1);
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait); // a fixed rate, not a synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** A sample taken now, also usable without the sampling thread. */
    Sample sample() {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        return new Sample(millis, ready(), inodesUsed(mountPoint), count(service.results()),
                          count(service.dataDirectory().resolve("archive")), lagSeconds());
    }

    /** The archive's lag as the metrics show it: whether the mover keeps up. */
    private String lagSeconds() {
        HttpRequest request = HttpRequest.newBuilder(service.admin("/observe/metrics"))
                                         .timeout(Duration.ofSeconds(1)).GET().build();
        try {
            Matcher lag = LAG.matcher(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
            return lag.find() ? lag.group(1) : "?";
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    private boolean ready() {
        try {
            return service.isReady(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Inodes in use on the file system holding {@code path}: total less free, as {@code df -i} counts them. */
    static long inodesUsed(Path path) {
        ExternalCommand.Outcome stat = ExternalCommand.run(List.of("stat", "-f", "-c", "%c %d", path.toString()),
                                                           Path.of("/"), Map.of(), new byte[0],
                                                           Duration.ofSeconds(5));
        if (stat.exitCode() != 0) {
            throw new IllegalStateException("stat -f failed: " + stat);
        }
        String[] totalAndFree = stat.out().trim().split(" ");
        return Long.parseLong(totalAndFree[0]) - Long.parseLong(totalAndFree[1]);
    }

    /** The disk now, for a report: inodes in use, loose results files, archive files. */
    static String disk(ServiceProcess service, Path mountPoint) {
        return String.format("%d inodes in use, %d loose results files, %d archive files", inodesUsed(mountPoint),
                             count(service.results()), count(service.dataDirectory().resolve("archive")));
    }

    private static long count(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.count();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Sample> samples() {
        return new ArrayList<>(samples);
    }

    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        thread.join();
        http.close();
    }
}
