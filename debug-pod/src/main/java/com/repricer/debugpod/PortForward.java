package com.repricer.debugpod;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.Collection;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Replaces {@code kubectl port-forward POD LOCAL:REMOTE}: a local port on the loopback address whose connections
 * fabric8 tunnels to the pod's port through the API server (needs {@code create} and {@code get} on
 * {@code pods/portforward}). The one place that touches fabric8's {@link LocalPortForward}; everything above it
 * takes a plain {@link URI}.
 *
 * <p>The tunnel is opened per connection, so a refused tunnel (RBAC, a pod that went away) shows first as a
 * failed HTTP request; {@link #failure()} then tells what the API server said.
 *
 * @param namespace the pod's, to name in a refusal
 */
record PortForward(LocalPortForward forward, String namespace) implements AutoCloseable {

    /** Forwards {@code 127.0.0.1:localPort} (0: any free port) to {@code port} of the pod. */
    public static PortForward open(KubernetesClient client, String namespace, String pod, int port, int localPort) {
        LocalPortForward forward = KubernetesFailures.call(
                "create", "pods/portforward", namespace,
                () -> client.pods().inNamespace(namespace).withName(pod)
                            .portForward(port, InetAddress.getLoopbackAddress(), localPort));
        return new PortForward(forward, namespace);
    }

    /** {@code http://127.0.0.1:<local port>/}. */
    public URI uri() {
        return URI.create("http://" + forward.getLocalAddress().getHostAddress() + ":" + forward.getLocalPort() + "/");
    }

    public int localPort() {
        return forward.getLocalPort();
    }

    /** What went wrong in the tunnel, if fabric8 recorded anything, as a {@link CliFailure}. */
    public Optional<CliFailure> failure() {
        if (!forward.errorOccurred()) {
            return Optional.empty();
        }
        return Stream.of(forward.getClientThrowables(), forward.getServerThrowables())
                     .flatMap(Collection::stream)
                     .findFirst()
                     .map(this::explain);
    }

    private CliFailure explain(Throwable failure) {
        KubernetesClientException refused = switch (failure) {
            case KubernetesClientException k -> k;
            // the API server refused the WebSocket upgrade (RBAC, a pod gone): its status code says why
            case WebSocketHandshakeException h when h.getResponse() != null ->
                    new KubernetesClientException("the API server refused the port-forward (HTTP "
                                                  + h.getResponse().code() + ")", h.getResponse().code(), null);
            default -> null;
        };
        return refused == null ? new CliFailure(CliFailure.FAILED, "the port-forward failed: " + failure, failure)
                               : KubernetesFailures.translate(refused, "create", "pods/portforward", namespace);
    }

    @Override
    public void close() {
        try {
            forward.close();
        } catch (IOException e) {
            // closing a local listener: nothing left to do about it
        }
    }
}
