package com.repricer.operator;

import com.repricer.fixtures.ExternalCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A kustomization under {@code manifests/}, built by {@code kubectl kustomize} exactly as
 * {@code kubectl apply -k} would build it, and loaded as fabric8 models.
 *
 * <p>Without kubectl on the PATH the tests that need it are skipped with a message saying so, unless
 * {@value #REQUIRE_KUBECTL} is {@code true} (the pipeline sets it: there a missing kubectl is a failure).
 */
record KustomizeBuild(String directory, List<HasMetadata> resources) {

    static final String REQUIRE_KUBECTL = "REPRICER_REQUIRE_KUBECTL";
    private static final Duration BUILD_TIME = Duration.ofSeconds(60);

    static KustomizeBuild build(Path manifests, String directory) {
        Path dir = manifests.resolve(directory).toAbsolutePath().normalize();
        Optional<Path> kubectl = ExternalCommand.onPath("kubectl");
        if (kubectl.isEmpty()) {
            String message = "kubectl is not on the PATH: cannot build " + directory + " with kustomize; install "
                             + "kubectl >= 1.21 (docs/deployment.md)";
            if (Boolean.parseBoolean(System.getenv(REQUIRE_KUBECTL))) {
                throw new AssertionError(message + "; " + REQUIRE_KUBECTL + " is set");
            }
            Assumptions.abort(message);
        }
        ExternalCommand.Outcome built = ExternalCommand.run(List.of(kubectl.get().toString(), "kustomize",
                                                                    dir.toString()),
                                                            dir, Map.of(), new byte[0], BUILD_TIME);
        if (built.exitCode() != 0) {
            throw new AssertionError("kubectl kustomize " + directory + " failed: " + built);
        }
        return new KustomizeBuild(directory, load(built.out()));
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
}
