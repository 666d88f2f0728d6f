package com.repricer.operator.guard;

import com.repricer.operator.EventRecorder;
import com.repricer.operator.InformerLoop;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The long-running guard ({@code guard --watch}): an informer on the Deployments of the namespace triggers a
 * {@link Guard} pass on every change (the repricer's own, or a second Deployment appearing); a pass also runs every
 * {@code interval}, for what is not watched (StatefulSets, the claim). A change in the violations is logged and
 * recorded as a Warning Event on the Deployment; with {@code fix}, fixable violations are patched at once and the
 * repair recorded as a Normal Event.
 */
public final class GuardLoop extends InformerLoop<Deployment> {

    public static final String VIOLATED_REASON = "InvariantViolated";
    public static final String REPAIRED_REASON = "InvariantRepaired";
    public static final String COMPONENT = "repricer-guard";
    static final Duration RETRY_DELAY = Duration.ofSeconds(30);

    private final Guard guard;
    private final boolean fix;
    private final EventRecorder events;
    private final Clock clock;
    private final PrintWriter log;
    /** The violations last reported; touched only on the scheduler's thread. */
    private List<Violation> reported;
    private boolean reportedMissing;
    private volatile Optional<Guard.Report> lastReport = Optional.empty();

    private GuardLoop(KubernetesClient client, Guard guard, boolean fix, Duration interval, EventRecorder events,
                      Clock clock, PrintWriter log) {
        super("guard", "deployments", client.apps().deployments().inNamespace(guard.namespace()).runnableInformer(0),
              interval, RETRY_DELAY, clock, log);
        this.guard = guard;
        this.fix = fix;
        this.events = events;
        this.clock = clock;
        this.log = log;
    }

    /** Starts the informer (waiting for its first list) and the scheduler. */
    public static GuardLoop start(KubernetesClient client, Guard guard, boolean fix, Duration interval,
                                  EventRecorder events, Clock clock, PrintWriter log)
            throws InterruptedException, TimeoutException {
        GuardLoop loop = new GuardLoop(client, guard, fix, interval, events, clock, log);
        loop.start();
        return loop;
    }

    /** Checks the Deployment afresh from the API (its neighbours are not in the cache); never asks for a deadline. */
    @Override
    protected Optional<Instant> pass(List<Deployment> cached) {
        Optional<Guard.Report> found = guard.inspect();
        lastReport = found;
        if (found.isEmpty()) {
            if (!reportedMissing) {
                say("deployment " + guard.namespace() + "/" + guard.deploymentName() + " not found; waiting for it");
                reportedMissing = true;
                reported = null;
            }
            return Optional.empty();
        }
        reportedMissing = false;
        Guard.Report report = found.get();
        if (!report.violations().equals(reported)) {
            report.lines().forEach(this::say);
            if (!report.violations().isEmpty()) {
                record(report, EventRecorder.WARNING, VIOLATED_REASON, COMPONENT + " found "
                       + report.violations().stream().map(Violation::toString).collect(Collectors.joining("; ")));
            }
            reported = report.violations();
        }
        if (fix) {
            List<Violation> fixed = guard.fix(report);
            if (!fixed.isEmpty()) {
                String names = fixed.stream().map(Violation::name).collect(Collectors.joining(", "));
                say("patched " + report.target() + ": " + names);
                record(report, EventRecorder.NORMAL, REPAIRED_REASON, COMPONENT + " patched " + names + ": "
                       + SafeFix.mergePatch(fixed).orElse(""));
            }
        }
        return Optional.empty();
    }

    private void record(Guard.Report report, String type, String reason, String message) {
        try {
            events.record(report.deployment(), type, reason, message);
        } catch (KubernetesClientException e) {
            say("could not record an Event on " + report.target() + ": HTTP " + e.getCode() + " " + e.getMessage());
        }
    }

    /** Runs a pass now and returns what it found (tests, and a person's impatience). */
    public Optional<Guard.Report> passNow(Duration timeout) throws InterruptedException, TimeoutException {
        runPassNow(timeout);
        return lastReport;
    }

    private void say(String line) {
        synchronized (log) {
            log.println(clock.instant() + " guard: " + line);
            log.flush();
        }
    }
}
