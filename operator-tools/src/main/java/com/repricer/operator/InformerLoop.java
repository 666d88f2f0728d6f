package com.repricer.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The shape of every long-running reconcile loop here (the reaper, {@code guard --watch}): a
 * {@link SharedIndexInformer} keeps a cache of the watched objects, every change it sees asks for a pass, and a
 * {@link PassScheduler} runs the passes on one thread — when asked, at the time the last pass asked to be woken, and
 * at the latest {@code maxIdle} after it. A subclass says what a pass does ({@link #pass}); this class owns the
 * informer, the schedule, the health and the shutdown.
 */
public abstract class InformerLoop<T extends HasMetadata> implements AutoCloseable {

    /** How long the informer's first list may take. */
    public static final Duration SYNC_TIMEOUT = Duration.ofMinutes(2);

    private final SharedIndexInformer<T> informer;
    private final String watched;
    private final PassScheduler scheduler;

    /**
     * @param name     the loop's name: its thread, and its log lines
     * @param watched  what the informer lists, for messages ("debug pods")
     * @param informer not yet started ({@code runnableInformer(0)}: no resync, the schedule is {@code maxIdle})
     */
    protected InformerLoop(String name, String watched, SharedIndexInformer<T> informer, Duration maxIdle,
                           Duration retryDelay, Clock clock, PrintWriter log) {
        this.informer = informer;
        this.watched = watched;
        this.scheduler = new PassScheduler(name, clock, () -> pass(informer.getStore().list()),
                                           new PassScheduler.Timing(maxIdle, retryDelay), log);
    }

    /**
     * One pass, over the informer's cache, on the scheduler's thread (never two at once).
     *
     * @return when the next pass is wanted; empty: {@code maxIdle} after this one
     */
    protected abstract Optional<Instant> pass(List<T> cached);

    /** Whether an object's deletion calls for a pass; by default it does. */
    protected boolean passOnDelete() {
        return true;
    }

    /**
     * Starts the informer, waits until it has listed, then asks for the first pass. On failure the loop is closed;
     * a Kubernetes refusal (RBAC, connection) is rethrown as it is, so the command line reports it with exit code 3.
     */
    protected final void start() throws InterruptedException, TimeoutException {
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                scheduler.requestPass();
            }

            @Override
            public void onUpdate(T before, T after) {
                scheduler.requestPass();
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                if (passOnDelete()) {
                    scheduler.requestPass();
                }
            }
        });
        try {
            informer.start().toCompletableFuture().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close();
            if (e.getCause() instanceof KubernetesClientException refusal) {
                throw refusal;
            }
            throw new IllegalStateException("the informer could not list " + watched, e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            close();
            throw e;
        }
        scheduler.requestPass();
    }

    /** Runs a pass now on the scheduler's thread and waits for it (tests, and a person's impatience). */
    protected final void runPassNow(Duration timeout) throws InterruptedException, TimeoutException {
        scheduler.runNow(timeout);
    }

    /** When the next pass is planned: what the last pass asked for, or {@code maxIdle} after it. */
    public Optional<Instant> nextPassAt() {
        return scheduler.nextPassAt();
    }

    /** Liveness: the scheduler and the informer run. */
    public boolean isLive() {
        return scheduler.isRunning() && informer.isRunning();
    }

    /** Readiness: the informer has listed and is watching. */
    public boolean isReady() {
        return informer.hasSynced() && informer.isWatching();
    }

    @Override
    public void close() {
        scheduler.close();
        informer.close();
    }
}
