package com.repricer.debugpod;

import io.fabric8.kubernetes.client.KubernetesClientException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Turns the Kubernetes client's exceptions into {@link CliFailure}s that say what to do: which RBAC verb is
 * missing, that the cluster cannot be reached, that a thing does not exist.
 */
public final class KubernetesFailures {

    /** The API server's wording: {@code User "alice" cannot create resource "pods/portforward" in API group ""}. */
    private static final Pattern CANNOT = Pattern.compile("cannot (\\S+) resource \"([^\"]+)\"(?: in API group \"([^\"]*)\")?");

    private KubernetesFailures() {
    }

    /**
     * Runs one call to the API server.
     *
     * @param verb     the RBAC verb the call needs ({@code get}, {@code create}, …), named if it is forbidden
     * @param resource the resource, as RBAC names it ({@code pods}, {@code pods/portforward}, {@code deployments})
     */
    public static <T> T call(String verb, String resource, String namespace, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw translate(e, verb, resource, namespace);
        }
    }

    public static void run(String verb, String resource, String namespace, Runnable call) {
        call(verb, resource, namespace, () -> {
            call.run();
            return null;
        });
    }

    public static CliFailure translate(KubernetesClientException e, String verb, String resource, String namespace) {
        int code = e.getCode();
        if (code == 403) {
            return forbidden(serverMessage(e), verb, resource, namespace);
        }
        if (code == 401) {
            return new CliFailure(CliFailure.NO_CLUSTER, "the API server rejected the credentials of the current "
                                                         + "kubeconfig context (401): log in again (az aks get-credentials, kubelogin)", e);
        }
        if (code == 404) {
            return new CliFailure(CliFailure.NOT_FOUND, "not found: " + serverMessage(e), e);
        }
        if (code <= 0 && isConnectionFailure(e)) {
            return new CliFailure(CliFailure.NO_CLUSTER, "cannot reach the Kubernetes API server: "
                                                         + rootMessage(e) + " (check the current kubeconfig context: "
                                                         + "kubectl config current-context)", e);
        }
        return new CliFailure(CliFailure.FAILED, "Kubernetes API call (" + verb + " " + resource + ") failed: "
                                                 + serverMessage(e), e);
    }

    /**
     * The message for a 403: the verb and resource the API server names (it knows best), else the ones the tool
     * was attempting.
     */
    static CliFailure forbidden(String serverMessage, String verb, String resource, String namespace) {
        Matcher m = CANNOT.matcher(serverMessage == null ? "" : serverMessage);
        String missingVerb = verb;
        String missingResource = resource;
        if (m.find()) {
            missingVerb = m.group(1);
            missingResource = m.group(2);
            if (m.group(3) != null && !m.group(3).isEmpty()) {
                missingResource = missingResource + "." + m.group(3);
            }
        }
        return new CliFailure(CliFailure.FORBIDDEN, missing(missingVerb, missingResource, namespace)
                                                    + (serverMessage == null ? "" : "\n  API server: " + serverMessage));
    }

    static String missing(String verb, String resource, String namespace) {
        return "forbidden: RBAC does not allow verb \"" + verb + "\" on \"" + resource + "\" in namespace \""
               + namespace + "\"; ask for the tester Role (manifests/base/debug-pod-tester-rbac.yaml)";
    }

    private static String serverMessage(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage();
        }
        return e.getMessage();
    }

    private static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                || t instanceof UnknownHostException || t instanceof SocketTimeoutException
                || t instanceof HttpTimeoutException || t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
