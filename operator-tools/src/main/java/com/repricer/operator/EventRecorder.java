package com.repricer.operator;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.temporal.ChronoUnit;

/**
 * Replaces {@code kubectl create event}: records a core/v1 Event about an object, so {@code kubectl describe} and
 * {@code kubectl get events} show what the operator did and why. Needs RBAC {@code create} on {@code events}.
 *
 * @param component who reports ({@code repricer-reaper}, {@code repricer-guard})
 * @param instance  which process reports (the pod's host name in-cluster)
 */
public record EventRecorder(KubernetesClient client, Clock clock, String component, String instance) {

    /** Event types, as Kubernetes names them. */
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    /** The API keeps messages short; a longer one is cut here rather than rejected there. */
    static final int MAX_MESSAGE_LENGTH = 1024;

    /** Records the event in the object's namespace (Events may only refer to objects in their own namespace). */
    public Event record(HasMetadata about, String type, String reason, String message) {
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        String namespace = about.getMetadata().getNamespace();
        Event event = new EventBuilder()
                .withNewMetadata()
                .withGenerateName(about.getMetadata().getName() + ".")
                .withNamespace(namespace)
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder()
                                            .withApiVersion(about.getApiVersion())
                                            .withKind(about.getKind())
                                            .withNamespace(namespace)
                                            .withName(about.getMetadata().getName())
                                            .withUid(about.getMetadata().getUid())
                                            .build())
                .withType(type)
                .withReason(reason)
                .withMessage(message.length() <= MAX_MESSAGE_LENGTH ? message
                                     : message.substring(0, MAX_MESSAGE_LENGTH - 1) + "…")
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .withNewSource().withComponent(component).endSource()
                .withReportingComponent(component)
                .withReportingInstance(instance)
                .build();
        return client.v1().events().inNamespace(namespace).resource(event).create();
    }
}
