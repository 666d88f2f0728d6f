package com.repricer.operator.reaper;

import com.repricer.operator.InformerLoop;
import com.repricer.operator.PassScheduler;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The long-running reaper: an informer on the debug pods (one namespace, or all) keeps a cache; every change, and
 * the next expiry, triggers a {@link Reaper} pass over that cache. Between passes nothing polls: the
 * {@link PassScheduler} sleeps until the earliest expiry (at most {@link #MAX_IDLE}).
 */
public final class ReaperLoop extends InformerLoop<Pod> {

    /** The longest the reaper waits without a pass (a safety net for missed watch events and clock steps). */
    public static final Duration MAX_IDLE = Duration.ofMinutes(10);
    /** After a failed pass (a deletion the API refused). */
    public static final Duration RETRY_DELAY = Duration.ofSeconds(30);

    private final Reaper reaper;
    private final Clock clock;
    private final Consumer<Reaper.Pass> onPass;
    private volatile Reaper.Pass lastPass;

    private ReaperLoop(KubernetesClient client, Optional<String> namespace, Reaper reaper, Clock clock,
                       PrintWriter log, Consumer<Reaper.Pass> onPass) {
        super("reaper", "debug pods", Reaper.debugPods(client, namespace).runnableInformer(0), MAX_IDLE, RETRY_DELAY,
              clock, log);
        this.reaper = reaper;
        this.clock = clock;
        this.onPass = onPass;
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
        ReaperLoop loop = new ReaperLoop(client, namespace, reaper, clock, log, onPass);
        loop.start();
        return loop;
    }

    @Override
    protected Optional<Instant> pass(List<Pod> cached) {
        Reaper.Pass pass = reaper.reconcile(cached);
        lastPass = pass;
        onPass.accept(pass);
        if (pass.failed().isEmpty()) {
            return pass.nextExpiry();
        }
        Instant retry = clock.instant().plus(RETRY_DELAY);
        return Optional.of(pass.nextExpiry().filter(n -> n.isBefore(retry)).orElse(retry));
    }

    /** A deleted pod leaves nothing to reap, and the next deadline may only move later: the planned pass copes. */
    @Override
    protected boolean passOnDelete() {
        return false;
    }

    /** Runs a pass now and returns what it did (tests, and a person's impatience). */
    public Reaper.Pass passNow(Duration timeout) throws InterruptedException, TimeoutException {
        runPassNow(timeout);
        return lastPass;
    }
}
