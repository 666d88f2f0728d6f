package com.repricer.operator;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Starting an informer and waiting for its first list, the same way for every reconcile loop. */
public final class InformerSync {

    /** How long the first list may take. */
    public static final Duration SYNC_TIMEOUT = Duration.ofMinutes(2);

    private InformerSync() {
    }

    /**
     * Starts {@code informer} and waits until it has listed; on failure runs {@code cleanUp} first. A Kubernetes
     * refusal (RBAC, connection) is rethrown as it is, so the command line reports it with exit code 3.
     *
     * @param what what the informer lists, for the message ("deployments")
     */
    public static void start(SharedIndexInformer<?> informer, String what, Runnable cleanUp)
            throws InterruptedException, TimeoutException {
        try {
            informer.start().toCompletableFuture().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            cleanUp.run();
            if (e.getCause() instanceof KubernetesClientException refusal) {
                throw refusal;
            }
            throw new IllegalStateException("the informer could not list " + what, e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            cleanUp.run();
            throw e;
        }
    }
}
