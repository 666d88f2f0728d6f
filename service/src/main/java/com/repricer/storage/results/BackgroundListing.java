package com.repricer.storage.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A listing of {@code results/} made on a thread of its own. At start, recovery lists a million files or more (one
 * to three seconds, mostly in the kernel) and restores the index snapshot (a few seconds of CPU); neither needs the
 * other until the snapshot is checked against the files, so the two overlap.
 */
public final class BackgroundListing {

    private final FutureTask<List<ResultsFileName>> task;
    private volatile long tookNanos;

    private BackgroundListing(ResultsDirectory directory) {
        this.task = new FutureTask<>(() -> {
            long started = System.nanoTime();
            List<ResultsFileName> files = directory.list();
            tookNanos = System.nanoTime() - started;
            return files;
        });
    }

    /** Starts listing {@code directory}. */
    public static BackgroundListing start(ResultsDirectory directory) {
        BackgroundListing listing = new BackgroundListing(directory);
        // A daemon: if start-up fails elsewhere meanwhile, the listing must not keep the JVM alive.
        Thread.ofPlatform().daemon().name("repricer-results-listing").start(listing.task);
        return listing;
    }

    /** Waits for the listing: every results file in sequence order, as {@link ResultsDirectory#list()} returns. */
    public List<ResultsFileName> await() throws IOException {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while listing results/", e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case UncheckedIOException io -> throw io.getCause();
                case RuntimeException runtime -> throw runtime;
                case Error error -> throw error;
                default -> throw new IOException(e.getCause());
            }
        }
    }

    /** How long the listing itself took, once {@link #await()} has returned. */
    public long tookMillis() {
        return tookNanos / 1_000_000;
    }
}
