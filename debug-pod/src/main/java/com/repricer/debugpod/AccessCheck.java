package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Replaces {@code kubectl auth can-i VERB RESOURCE}: before a command starts, asks the API server (a
 * {@code SelfSubjectAccessReview}, which every authenticated user may create) whether RBAC allows each verb the
 * command needs, and names all missing ones at once. A port-forward refused half-way is otherwise an obscure
 * broken connection. An answer the server does not give (an error, no status) does not block: the call itself
 * then fails with a 403 that {@link KubernetesFailures} explains.
 */
public final class AccessCheck {

    /**
     * One RBAC permission: a verb on a resource (with its subresource) of an API group ("" for core), for one named
     * object or ("") for any.
     */
    public record Permission(String verb, String group, String resource, String subresource, String name) {

        public static Permission core(String verb, String resource) {
            return new Permission(verb, "", resource, "", "");
        }

        public static Permission core(String verb, String resource, String subresource) {
            return new Permission(verb, "", resource, subresource, "");
        }

        public static Permission apps(String verb, String resource, String name) {
            return new Permission(verb, "apps", resource, "", name);
        }

        @Override
        public String toString() {
            return verb + " " + resource + (subresource.isEmpty() ? "" : "/" + subresource)
                   + (group.isEmpty() ? "" : "." + group) + (name.isEmpty() ? "" : " " + name);
        }
    }

    static final Permission LIST_PODS = Permission.core("list", "pods");
    static final Permission WATCH_PODS = Permission.core("watch", "pods");
    static final Permission GET_PODS = Permission.core("get", "pods");
    static final Permission CREATE_PODS = Permission.core("create", "pods");
    static final Permission DELETE_PODS = Permission.core("delete", "pods");
    static final Permission LIST_EVENTS = Permission.core("list", "events");
    /** Only the production Deployment: the tester Role names it ({@code resourceNames}). */
    static final Permission GET_DEPLOYMENT = Permission.apps("get", "deployments", KubeNames.DEPLOYMENT);
    /** SPDY port-forwards are authorised as {@code create}, WebSocket ones (fabric8) as {@code get} and {@code create}. */
    static final Permission CREATE_PORTFORWARD = Permission.core("create", "pods", "portforward");
    static final Permission GET_PORTFORWARD = Permission.core("get", "pods", "portforward");

    public static final List<Permission> START = List.of(GET_DEPLOYMENT, CREATE_PODS, GET_PODS, LIST_PODS, WATCH_PODS,
                                                         LIST_EVENTS, CREATE_PORTFORWARD, GET_PORTFORWARD);
    public static final List<Permission> COLLECT = List.of(GET_PODS, LIST_PODS, CREATE_PORTFORWARD, GET_PORTFORWARD);
    public static final List<Permission> LIST = List.of(LIST_PODS);
    public static final List<Permission> STOP = List.of(GET_PODS, LIST_PODS, DELETE_PODS);

    private final KubernetesClient client;
    private final String namespace;

    public AccessCheck(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** @throws CliFailure {@link CliFailure#FORBIDDEN}, naming every permission RBAC denies */
    public void require(List<Permission> permissions) {
        List<Permission> denied = permissions.stream().filter(p -> !allowed(p)).toList();
        if (!denied.isEmpty()) {
            throw new CliFailure(CliFailure.FORBIDDEN, message(denied, namespace));
        }
    }

    static String message(List<Permission> denied, String namespace) {
        return "forbidden: RBAC does not allow "
               + denied.stream().map(p -> "\"" + p + "\"").collect(Collectors.joining(", "))
               + " in namespace \"" + namespace + "\"; ask for the tester Role "
               + "(manifests/base/debug-pod-tester-rbac.yaml)";
    }

    private boolean allowed(Permission permission) {
        SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
                .withNewSpec()
                .withNewResourceAttributes()
                .withNamespace(namespace)
                .withVerb(permission.verb())
                .withGroup(permission.group())
                .withResource(permission.resource())
                .withSubresource(permission.subresource())
                .withName(permission.name())
                .endResourceAttributes()
                .endSpec()
                .build();
        try {
            SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
            return answer == null || answer.getStatus() == null || !Boolean.FALSE.equals(answer.getStatus().getAllowed());
        } catch (KubernetesClientException e) {
            CliFailure failure = KubernetesFailures.translate(e, "create", "selfsubjectaccessreviews", namespace);
            if (failure.exitCode() == CliFailure.NO_CLUSTER) {
                throw failure;
            }
            return true;
        }
    }
}
