package com.repricer.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A kustomization under {@code manifests/}, built by {@code kubectl kustomize} exactly as
 * {@code kubectl apply -k} would build it, and loaded as fabric8 models.
 *
 * <p>Without kubectl on the PATH the tests that need it are skipped with a message saying so, unless
 * {@value #REQUIRE_KUBECTL} is {@code true} (the pipeline sets it: there a missing kubectl is a failure).
 */
record KustomizeBuild(String directory, List<HasMetadata> resources) {

    static final String REQUIRE_KUBECTL = "REPRICER_REQUIRE_KUBECTL";
    private static final long BUILD_SECONDS = 60;

    static KustomizeBuild build(Path manifests, String directory) {
        Path dir = manifests.resolve(directory).toAbsolutePath().normalize();
        Process kubectl;
        try {
            kubectl = new ProcessBuilder("kubectl", "kustomize", dir.toString()).start();
        } catch (IOException e) {
            String message = "kubectl is not on the PATH (" + e.getMessage() + "): cannot build " + directory
                             + " with kustomize; install kubectl >= 1.21 (docs/deployment.md)";
            if (Boolean.parseBoolean(System.getenv(REQUIRE_KUBECTL))) {
                throw new AssertionError(message + "; " + REQUIRE_KUBECTL + " is set", e);
            }
            Assumptions.abort(message);
            throw new IllegalStateException("unreachable");
        }
        try {
            kubectl.getOutputStream().close();
            CompletableFuture<byte[]> errors = CompletableFuture.supplyAsync(() -> readAll(kubectl.getErrorStream()));
            String yaml = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kubectl.waitFor(BUILD_SECONDS, TimeUnit.SECONDS)) {
                kubectl.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + directory + " took over " + BUILD_SECONDS + " s");
            }
            String stderr = new String(errors.join(), StandardCharsets.UTF_8);
            if (kubectl.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + directory + " failed (exit " + kubectl.exitValue()
                                         + "):\n" + stderr);
            }
            return new KustomizeBuild(directory, load(yaml));
        } catch (IOException e) {
            throw new AssertionError("kubectl kustomize " + directory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted building " + directory, e);
        }
    }

    /** The resources of this build of one type, in kustomize's order. */
    <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public String toString() {
        return directory;
    }

    private static List<HasMetadata> load(String yaml) {
        List<HasMetadata> resources = new ArrayList<>();
        Object loaded = new KubernetesSerialization().unmarshal(yaml);
        switch (loaded) {
            case KubernetesList list -> resources.addAll(list.getItems());
            case List<?> list -> list.forEach(item -> resources.add((HasMetadata) item));
            case HasMetadata one -> resources.add(one);
            case Object other -> throw new AssertionError("kustomize built no Kubernetes resource: " + other);
        }
        return resources;
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return ("(cannot read kubectl's error output: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
        }
    }
}
