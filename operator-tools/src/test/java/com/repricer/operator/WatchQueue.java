package com.repricer.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Watchable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The test's own watch: every event lands in a queue, awaited with {@code poll(timeout)} — never a sleep.
 */
public final class WatchQueue<T extends HasMetadata> implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    public record Event<T>(Watcher.Action action, T resource) {
        public String name() {
            return ((HasMetadata) resource).getMetadata().getName();
        }
    }

    private final BlockingQueue<Event<T>> events = new LinkedBlockingQueue<>();
    private final Watch watch;

    public WatchQueue(Watchable<T> watchable) {
        this.watch = watchable.watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, T resource) {
                events.add(new Event<>(action, resource));
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    /** Waits for the first event matching {@code wanted}; the events before it are returned too. */
    public List<Event<T>> await(Predicate<Event<T>> wanted, String what) throws InterruptedException {
        List<Event<T>> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event<T> event = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            if (event == null) {
                fail("no " + what + " within " + TIMEOUT + "; saw " + seen.stream()
                        .map(e -> e.action() + " " + e.name()).toList());
            }
            seen.add(event);
            if (wanted.test(event)) {
                return seen;
            }
        }
    }

    /** Waits for the DELETED event of {@code name}. */
    public List<Event<T>> awaitDeleted(String name) throws InterruptedException {
        return await(e -> e.action() == Watcher.Action.DELETED && e.name().equals(name), "deletion of " + name);
    }

    @Override
    public void close() {
        watch.close();
    }
}
