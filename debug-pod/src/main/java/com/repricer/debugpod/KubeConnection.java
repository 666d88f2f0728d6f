package com.repricer.debugpod;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.util.Map;
import java.util.Optional;

/**
 * The one place the CLI builds a Kubernetes client: from the current kubeconfig context (or {@code --context}), as
 * {@code kubectl} would. Everything else gets the client passed in.
 */
final class KubeConnection {

    /** A CLI should fail fast when the API server is down, not retry for a minute. */
    static final int RETRIES = 1;

    private KubeConnection() {
    }

    static KubernetesClient connect(Optional<String> context, Map<String, String> environment) {
        Config config = Config.autoConfigure(context.orElse(null));
        check(config, context, environment);
        config.setRequestRetryBackoffLimit(RETRIES);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /**
     * @throws CliFailure {@link CliFailure#NO_CLUSTER} if there is no context to use: none current and not running
     *                    in a cluster, or the requested one does not exist
     */
    static void check(Config config, Optional<String> context, Map<String, String> environment) {
        String current = config.getCurrentContext() == null ? null : config.getCurrentContext().getName();
        if (context.isPresent() && !context.get().equals(current)) {
            throw new CliFailure(CliFailure.NO_CLUSTER, "no context \"" + context.get() + "\" in the kubeconfig "
                                                        + "(kubectl config get-contexts lists them)");
        }
        if (current == null && !environment.containsKey("KUBERNETES_SERVICE_HOST")) {
            throw new CliFailure(CliFailure.NO_CLUSTER, "no current kubeconfig context: set one (kubectl config "
                                                        + "use-context NAME, az aks get-credentials …) or pass "
                                                        + "--context");
        }
    }

    /** {@code --namespace}, else the context's namespace, else {@code default}. */
    static String namespace(Optional<String> option, KubernetesClient client) {
        return option.or(() -> Optional.ofNullable(client.getConfiguration().getNamespace())).orElse("default");
    }
}
