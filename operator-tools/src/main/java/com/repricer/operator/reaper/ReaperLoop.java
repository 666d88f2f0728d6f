package com.repricer.operator.reaper;

import com.repricer.kube.KubeNames;
import com.repricer.operator.InformerSync;
import com.repricer.operator.PassScheduler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The long-running reaper: a {@link SharedIndexInformer} on the debug pods (one namespace, or all) keeps a cache;
 * every change, and the next expiry, triggers a {@link Reaper} pass over that cache. Between passes nothing polls:
 * the {@link PassScheduler} sleeps until the earliest expiry (at most {@link #MAX_IDLE}).
 */
public final class ReaperLoop implements AutoCloseable {

    /** The longest the reaper waits without a pass (a safety net for missed watch events and clock steps). */
    public static final Duration MAX_IDLE = Duration.ofMinutes(10);
    /** After a failed pass (a deletion the API refused). */
    public static final Duration RETRY_DELAY = Duration.ofSeconds(30);

    private final SharedIndexInformer<Pod> informer;
    private final Consumer<Reaper.Pass> onPass;
    private final PassScheduler scheduler;
    private volatile Reaper.Pass lastPass;

    private ReaperLoop(SharedIndexInformer<Pod> informer, Reaper reaper, Clock clock, PrintWriter log,
                       Consumer<Reaper.Pass> onPass) {
        this.informer = informer;
        this.onPass = onPass;
        this.scheduler = new PassScheduler("reaper", clock, () -> pass(reaper, clock), MAX_IDLE, RETRY_DELAY, log);
    }

    /**
     * Starts the informer (waiting for its first list) and the scheduler.
     *
     * @param namespace the namespace to watch; empty: all namespaces (needs cluster-wide RBAC)
     */
    public static ReaperLoop start(KubernetesClient client, Optional<String> namespace, Reaper reaper, Clock clock,
                                   PrintWriter log) throws InterruptedException, TimeoutException {
        return start(client, namespace, reaper, clock, log, pass -> {
        });
    }

    /** As above; {@code onPass} hears of every pass, on the reaper's thread (tests await passes with it). */
    public static ReaperLoop start(KubernetesClient client, Optional<String> namespace, Reaper reaper, Clock clock,
                                   PrintWriter log, Consumer<Reaper.Pass> onPass)
            throws InterruptedException, TimeoutException {
        var pods = namespace.isPresent() ? client.pods().inNamespace(namespace.get()) : client.pods().inAnyNamespace();
        SharedIndexInformer<Pod> informer = pods.withLabel(KubeNames.DEBUG_LABEL, KubeNames.DEBUG_VALUE)
                                                .runnableInformer(0);
        ReaperLoop loop = new ReaperLoop(informer, reaper, clock, log, onPass);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                loop.scheduler.requestPass();
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                loop.scheduler.requestPass();
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                // nothing to reap, and the next deadline may only move later: the planned pass copes.
            }
        });
        InformerSync.start(informer, "debug pods", loop::close);
        loop.scheduler.requestPass();
        return loop;
    }

    private Optional<Instant> pass(Reaper reaper, Clock clock) {
        Reaper.Pass pass = reaper.reconcile(informer.getStore().list());
        lastPass = pass;
        onPass.accept(pass);
        if (pass.failed().isEmpty()) {
            return pass.nextExpiry();
        }
        Instant retry = clock.instant().plus(RETRY_DELAY);
        return Optional.of(pass.nextExpiry().filter(n -> n.isBefore(retry)).orElse(retry));
    }

    /** Runs a pass now and returns what it did (tests, and a person's impatience). */
    public Reaper.Pass passNow(Duration timeout) throws InterruptedException, TimeoutException {
        scheduler.runNow(timeout);
        return lastPass;
    }

    /** When the next pass is planned: the earliest expiry ahead, or {@link #MAX_IDLE} after the last pass. */
    public Optional<Instant> nextPassAt() {
        return scheduler.nextPassAt();
    }

    public boolean isLive() {
        return scheduler.isRunning() && informer.isRunning();
    }

    public boolean isReady() {
        return informer.hasSynced() && informer.isWatching();
    }

    @Override
    public void close() {
        scheduler.close();
        informer.close();
    }
}
