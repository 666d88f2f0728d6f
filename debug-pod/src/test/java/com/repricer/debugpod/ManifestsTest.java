package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static com.repricer.debugpod.Fixtures.NOW;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * The debug pod against the real manifests/base (every overlay builds on it; operator-tools' ManifestsTest builds the
 * overlays): made from the shipped Deployment, kept out of the shipped Service.
 */
class ManifestsTest {

    private static final Path MANIFESTS = Path.of("..", "manifests", "base");

    private final Deployment deployment = load("repricer-deployment.yaml", Deployment.class);
    private final Pod pod = DebugPodSpec.fromDeployment(deployment, new DebugPodSpec.Request(
            "repricer-debug-alice-b4x7q", Owner.of("alice"), Optional.empty(), NOW, Duration.ofHours(2)));

    @Test
    void theSharedNamesMatchTheDeployment() {
        assertThat(deployment.getMetadata().getName(), is(KubeNames.DEPLOYMENT));
        Container container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getName(), is(KubeNames.CONTAINER));
        Volume data = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                                .filter(v -> v.getName().equals(KubeNames.DATA_VOLUME)).findFirst().orElseThrow();
        assertThat(data.getPersistentVolumeClaim().getClaimName(), is(KubeNames.DATA_CLAIM));
        assertThat(container.getVolumeMounts().getFirst().getMountPath(), is(KubeNames.DATA_PATH));
        assertThat(CollectResults.adminPort(new Pod(null, null, null, deployment.getSpec().getTemplate().getSpec(),
                                                    null)), is(KubeNames.ADMIN_PORT));
    }

    @Test
    void theDebugPodFromTheShippedDeploymentHasItsOwnEmptyDirAndNoClaim() {
        assertThat(pod.getSpec().getVolumes().stream().map(Volume::getPersistentVolumeClaim).toList(),
                   everyItem(nullValue()));
        assertThat(pod.getSpec().getVolumes().getFirst().getEmptyDir(), notNullValue());
        Container container = pod.getSpec().getContainers().getFirst();
        assertThat(container.getVolumeMounts().getFirst().getMountPath(), is("/tmp/repricer"));
        assertThat(container.getReadinessProbe().getHttpGet().getPath(), is("/observe/health/ready"));
        assertThat(container.getStartupProbe(), notNullValue());
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem(), is(true));
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser(), is(65532L));
    }

    @Test
    void theShippedServiceNeverSelectsADebugPod() {
        Service service = load("repricer-service.yaml", Service.class);
        Map<String, String> selector = service.getSpec().getSelector();
        Map<String, String> labels = pod.getMetadata().getLabels();
        boolean selected = selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        assertThat(selector + " against " + labels, selected, is(false));
    }

    @Test
    void theTesterRoleGrantsEveryPermissionTheCommandsCheck() {
        Role role = documents("debug-pod-tester-rbac.yaml").stream()
                                                           .filter(d -> d.contains("kind: Role\n"))
                                                           .map(d -> Serialization.unmarshal(d, Role.class))
                                                           .findFirst().orElseThrow();
        List<AccessCheck.Permission> needed = Stream.of(AccessCheck.START, AccessCheck.COLLECT, AccessCheck.LIST,
                                                        AccessCheck.STOP)
                                                    .flatMap(List::stream).distinct().toList();
        List<String> missing = new ArrayList<>();
        for (AccessCheck.Permission permission : needed) {
            if (role.getRules().stream().noneMatch(rule -> grants(rule, permission))) {
                missing.add(permission.toString());
            }
        }
        assertThat(missing, is(List.of()));
        // and nothing beyond: no secrets, no wildcards, no other workloads
        List<String> granted = role.getRules().stream()
                                   .flatMap(r -> r.getResources().stream().flatMap(res -> r.getVerbs().stream()
                                                                                          .map(v -> v + " " + res)))
                                   .sorted().toList();
        assertThat(granted, is(List.of("create pods", "create pods/portforward", "delete pods", "get deployments",
                                       "get pods", "get pods/portforward", "list events", "list pods",
                                       "watch pods")));
    }

    private static boolean grants(PolicyRule rule, AccessCheck.Permission permission) {
        String resource = permission.resource() + (permission.subresource().isEmpty() ? ""
                                                                                      : "/" + permission.subresource());
        boolean named = rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
                        || rule.getResourceNames().contains(permission.name());
        return rule.getApiGroups().contains(permission.group()) && rule.getResources().contains(resource)
               && rule.getVerbs().contains(permission.verb()) && named;
    }

    private static <T> T load(String file, Class<T> type) {
        return Serialization.unmarshal(String.join("\n", documents(file)), type);
    }

    private static List<String> documents(String file) {
        try {
            return List.of(Files.readString(MANIFESTS.resolve(file)).split("(?m)^---$"));
        } catch (IOException e) {
            throw new AssertionError("cannot read " + MANIFESTS.resolve(file).toAbsolutePath(), e);
        }
    }
}
