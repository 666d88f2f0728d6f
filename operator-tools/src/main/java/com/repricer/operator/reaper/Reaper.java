package com.repricer.operator.reaper;

import com.repricer.kube.DebugPodMetadata;
import com.repricer.kube.ExpiryDecision;
import com.repricer.kube.HumanDuration;
import com.repricer.kube.KubeNames;
import com.repricer.operator.EventRecorder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.PodResource;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Replaces {@code kubectl delete pod -l repricer.io/debug=true} done by hand with a look at each pod's
 * {@code repricer.io/expires-at}: one pass over the debug pods it is given, applying {@link ExpiryDecision#decide}
 * to each. Expired pods are deleted, each with a Kubernetes Event saying why; pods without a valid expiry are left
 * alone and reported (once per pod and annotation value); the earliest future expiry is returned so the caller can
 * schedule the next pass.
 */
public final class Reaper {

    /** The Event reason of a deletion. */
    public static final String EXPIRED_REASON = "Expired";
    public static final String COMPONENT = "repricer-reaper";

    /**
     * What a pass did. Pods are named {@code namespace/name}.
     *
     * @param nextExpiry the earliest expiry still ahead: when the next pass is due
     */
    public record Pass(List<String> deleted, List<String> invalid, List<String> kept, List<String> failed,
                       Optional<Instant> nextExpiry) {

        public String summary() {
            return deleted.size() + " deleted, " + kept.size() + " not yet expired"
                   + nextExpiry.map(e -> " (next at " + e + ")").orElse("") + ", " + invalid.size()
                   + " without a valid expiry (left alone), " + failed.size() + " failed";
        }
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final EventRecorder events;
    private final PrintWriter log;
    /**
     * {@code uid=annotation} of the invalid pods already reported: a long-running reaper says it once per pod and
     * value. Only the pass's thread touches it (one reaper, one thread).
     */
    private final Set<String> reported = new HashSet<>();

    public Reaper(KubernetesClient client, Clock clock, EventRecorder events, PrintWriter log) {
        this.client = client;
        this.clock = clock;
        this.events = events;
        this.log = log;
    }

    /** The debug pods of {@code namespace} (empty: of all namespaces), as the reaper lists and watches them. */
    public static FilterWatchListDeletable<Pod, PodList, PodResource> debugPods(KubernetesClient client,
                                                                               Optional<String> namespace) {
        return (namespace.isPresent() ? client.pods().inNamespace(namespace.get()) : client.pods().inAnyNamespace())
                .withLabel(KubeNames.DEBUG_LABEL, KubeNames.DEBUG_VALUE);
    }

    /** One pass over {@code pods} (the informer's cache, or a fresh list), at the clock's now. */
    public Pass reconcile(Collection<Pod> pods) {
        Instant now = clock.instant();
        List<String> deleted = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        Optional<Instant> next = Optional.empty();
        Set<String> stillInvalid = new HashSet<>();
        for (Pod pod : pods) {
            switch (ExpiryDecision.decide(pod, now)) {
                case ExpiryDecision.Ignore ignore -> {
                }
                case ExpiryDecision.Invalid(String reason) -> {
                    invalid.add(name(pod));
                    String key = pod.getMetadata().getUid() + "="
                                 + DebugPodMetadata.expiresAtAnnotation(pod).orElse(null);
                    stillInvalid.add(key);
                    if (reported.add(key)) {
                        say("left alone pod " + name(pod) + owner(pod) + ": " + reason);
                    }
                }
                case ExpiryDecision.Keep(Instant expiresAt) -> {
                    kept.add(name(pod));
                    next = next.filter(n -> n.isBefore(expiresAt)).or(() -> Optional.of(expiresAt));
                }
                case ExpiryDecision.Delete delete -> {
                    if (delete(pod, delete)) {
                        deleted.add(name(pod));
                    } else {
                        failed.add(name(pod));
                    }
                }
            }
        }
        reported.retainAll(stillInvalid);   // forget pods that are gone or fixed
        return new Pass(deleted, invalid, kept, failed, next);
    }

    /** Deletes the pod and records why; false if the API refused (the next pass retries). */
    private boolean delete(Pod pod, ExpiryDecision.Delete decision) {
        String why = "expired at " + decision.expiredAt() + " (" + KubeNames.EXPIRES_AT_ANNOTATION + "), "
                     + HumanDuration.format(decision.overdue()) + " ago";
        List<StatusDetails> gone;
        try {
            gone = client.pods().inNamespace(pod.getMetadata().getNamespace())
                         .withName(pod.getMetadata().getName())
                         .delete();
        } catch (KubernetesClientException e) {
            say("could not delete pod " + name(pod) + owner(pod) + " (" + why + "): HTTP " + e.getCode() + " "
                + e.getMessage());
            return false;
        }
        if (gone.isEmpty()) {
            return true;   // someone else deleted it first: nothing to record
        }
        say("deleted pod " + name(pod) + owner(pod) + ": " + why);
        try {
            events.record(pod, EventRecorder.NORMAL, EXPIRED_REASON,
                          COMPONENT + " deleted this debug pod" + owner(pod) + ": " + why);
        } catch (KubernetesClientException e) {
            say("could not record the deletion of " + name(pod) + " as an Event: HTTP " + e.getCode() + " "
                + e.getMessage());
        }
        return true;
    }

    private void say(String line) {
        synchronized (log) {
            log.println(clock.instant() + " reaper: " + line);
            log.flush();
        }
    }

    private static String name(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    private static String owner(Pod pod) {
        return DebugPodMetadata.owner(pod).map(owner -> " (owner " + owner + ")").orElse("");
    }
}
