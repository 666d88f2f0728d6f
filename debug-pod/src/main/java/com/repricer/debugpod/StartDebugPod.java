package com.repricer.debugpod;

import com.repricer.kube.HumanDuration;
import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;

/**
 * Replaces {@code kubectl run repricer-debug-… --image=… --overrides=…} followed by
 * {@code kubectl wait --for=condition=Ready pod/…}: creates a debug pod from the production Deployment
 * ({@link DebugPodSpec}) and waits, visibly and for a bounded time, until it is ready.
 */
public record StartDebugPod(KubernetesClient client, String namespace, Clock clock, RandomGenerator random,
                            PrintWriter out) {

    /** While nothing changes, the wait says it is still waiting this often. */
    static final Duration HEARTBEAT = Duration.ofSeconds(10);
    static final int EVENTS_SHOWN = 10;

    /**
     * Creates the debug pod: from the {@value KubeNames#DEPLOYMENT} Deployment (its image unless {@code image}
     * is given), or from {@code image} alone if there is no such Deployment.
     *
     * @throws CliFailure {@link CliFailure#NOT_FOUND} if there is neither a Deployment nor an {@code image}
     */
    public Pod create(Owner owner, Optional<String> image, Duration ttl) {
        Optional<Deployment> deployment = Optional.ofNullable(KubernetesFailures.call(
                "get", "deployments.apps", namespace,
                () -> client.apps().deployments().inNamespace(namespace).withName(KubeNames.DEPLOYMENT).get()));
        DebugPodSpec.Request request = new DebugPodSpec.Request(DebugPodSpec.podName(owner, random), owner, image,
                                                                clock.instant(), ttl);
        Pod pod;
        if (deployment.isPresent()) {
            pod = DebugPodSpec.fromDeployment(deployment.get(), request);
        } else if (image.isPresent()) {
            out.println("No Deployment " + KubeNames.DEPLOYMENT + " in namespace " + namespace
                        + ": using the image alone with default settings");
            pod = DebugPodSpec.fromImage(image.get(), request);
        } else {
            throw new CliFailure(CliFailure.NOT_FOUND, "no Deployment " + KubeNames.DEPLOYMENT
                                                       + " in namespace " + namespace
                                                       + " to take the image from: pass --image");
        }
        Pod created = KubernetesFailures.call("create", "pods", namespace,
                                              () -> client.pods().inNamespace(namespace).resource(pod).create());
        out.println("Created pod " + created.getMetadata().getName() + " (image "
                    + created.getSpec().getContainers().getFirst().getImage() + ", owner " + owner + ", expires "
                    + created.getMetadata().getAnnotations().get(KubeNames.EXPIRES_AT_ANNOTATION) + ")");
        out.flush();
        return created;
    }

    /**
     * Waits until the pod is ready, printing each change of state and a heartbeat while nothing changes.
     *
     * @throws CliFailure {@link CliFailure#IMAGE_PULL} (with the pod's events), {@link CliFailure#TIMEOUT} or
     *                    {@link CliFailure#FAILED} (the pod failed or was deleted)
     */
    public Pod awaitReady(String name, Duration timeout) {
        Instant start = clock.instant();
        AtomicReference<PodReadiness> last = new AtomicReference<>(new PodReadiness(PodReadiness.State.WAITING, ""));
        out.println("Waiting up to " + HumanDuration.format(timeout) + " for pod " + name + " to be ready…");
        out.flush();
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "debug-pod-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleAtFixedRate(() -> say("  still " + last.get().detail(), start, timeout),
                                      HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        Pod pod;
        try {
            pod = client.pods().inNamespace(namespace).withName(name).waitUntilCondition(p -> {
                PodReadiness now = PodReadiness.of(p);
                if (!now.equals(last.getAndSet(now))) {
                    say("  " + now.detail(), start, timeout);
                }
                return now.state().isFinal();
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            String lastSeen = last.get().detail().isEmpty() ? "no status yet" : last.get().detail();
            throw new CliFailure(CliFailure.TIMEOUT, "pod " + name + " was not ready within " + HumanDuration.format(timeout)
                                                     + " (last: " + lastSeen + ")" + events(name), e);
        } catch (KubernetesClientException e) {
            throw KubernetesFailures.translate(e, "watch", "pods", namespace);
        } finally {
            heartbeat.shutdownNow();
        }
        PodReadiness readiness = PodReadiness.of(pod);
        return switch (readiness.state()) {
            case READY -> pod;
            case IMAGE_PULL_FAILED -> throw new CliFailure(CliFailure.IMAGE_PULL, "pod " + name
                                                                                  + " cannot pull its image: "
                                                                                  + readiness.detail() + events(name));
            case FAILED, WAITING -> throw new CliFailure(CliFailure.FAILED, "pod " + name + " did not start: "
                                                                            + readiness.detail() + events(name));
        };
    }

    /** The pod's recent events (what {@code kubectl describe pod} shows), one per line, or "" if none. */
    String events(String name) {
        List<Event> events;
        try {
            // filtered here rather than by a field selector: events live an hour, and not every server
            // (fabric8's mock included) supports involvedObject.* selectors
            events = client.v1().events().inNamespace(namespace).list().getItems().stream()
                           .filter(e -> e.getInvolvedObject() != null && name.equals(e.getInvolvedObject().getName())
                                        && "Pod".equals(e.getInvolvedObject().getKind()))
                           .toList();
        } catch (RuntimeException e) {
            return "\n  (the pod's events could not be read: " + e.getMessage() + ")";
        }
        if (events.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder("\n  events of pod " + name + ":");
        events.stream()
              .sorted(Comparator.comparing(StartDebugPod::eventTime, Comparator.nullsFirst(Comparator.naturalOrder())))
              .skip(Math.max(0, events.size() - EVENTS_SHOWN))
              .forEach(e -> text.append("\n    ").append(e.getType() == null ? "" : e.getType() + " ")
                                .append(e.getReason()).append(": ").append(e.getMessage()));
        return text.toString();
    }

    /** Deletes the pod (after a failed start). */
    public void delete(String name) {
        KubernetesFailures.run("delete", "pods", namespace,
                               () -> client.pods().inNamespace(namespace).withName(name).delete());
        out.println("Deleted pod " + name);
        out.flush();
    }

    private static String eventTime(Event event) {
        return event.getLastTimestamp() != null ? event.getLastTimestamp() : event.getFirstTimestamp();
    }

    private void say(String line, Instant start, Duration timeout) {
        synchronized (out) {
            out.println(line + " (" + HumanDuration.format(Duration.between(start, clock.instant())) + " of "
                        + HumanDuration.format(timeout) + ")");
            out.flush();
        }
    }
}
