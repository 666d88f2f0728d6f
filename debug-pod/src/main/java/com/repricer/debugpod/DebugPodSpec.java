package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

import static com.repricer.kube.KubeNames.ADMIN_PORT;
import static com.repricer.kube.KubeNames.ADMIN_PORT_NAME;
import static com.repricer.kube.KubeNames.API_PORT;
import static com.repricer.kube.KubeNames.API_PORT_NAME;
import static com.repricer.kube.KubeNames.CONTAINER;
import static com.repricer.kube.KubeNames.DATA_DIR_ENV;
import static com.repricer.kube.KubeNames.DATA_PATH;
import static com.repricer.kube.KubeNames.DATA_VOLUME;
import static com.repricer.kube.KubeNames.EXPORT_PORT;

/**
 * The debug pod, as a pure function of the production Deployment (or just an image), the owner, the clock's now
 * and the TTL.
 *
 * <p>What it takes from the Deployment's pod template: the repricer container's image (unless {@code --image}),
 * environment, resources, probes and security contexts, the pod's security context, image pull secrets, node
 * selector and tolerations. What it never takes: the data volume or any other storage (only {@code emptyDir},
 * {@code configMap}, {@code secret}, {@code projected} and {@code downwardAPI} volumes are kept), other containers
 * and init containers, the service account (no token is mounted), the template's labels (so the production
 * Service's selector does not pick the pod up, provided it selects on a label debug pods lack).
 *
 * <p>Whatever the template says, the pod runs non-root on a read-only root file system without privilege
 * escalation, with its data in an {@code emptyDir} at {@value KubeNames#DATA_PATH}, and
 * {@code restartPolicy: Never} (a crash shows, rather than looping).
 */
public final class DebugPodSpec {

    /** Kubernetes' own alphabet for generated name suffixes: no vowels (no words), no look-alikes (0/o, 1/l). */
    static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    static final int NAME_SUFFIX_LENGTH = 5;
    /** An emptyDir beyond this gets the pod evicted: a debug pod must not fill the node's disk. */
    static final Quantity DATA_SIZE_LIMIT = new Quantity("1Gi");
    /** distroless' {@code nonroot} user, for a pod made from an image alone. */
    static final long NON_ROOT_UID = 65532;

    private DebugPodSpec() {
    }

    /** What {@code start} asks for. */
    public record Request(String name, Owner owner, Optional<String> image, Instant now, Duration ttl) {
    }

    /** {@code repricer-debug-<owner>-<5 random characters>}. */
    public static String podName(Owner owner, RandomGenerator random) {
        StringBuilder name = new StringBuilder(KubeNames.POD_NAME_PREFIX).append(owner.value()).append('-');
        for (int i = 0; i < NAME_SUFFIX_LENGTH; i++) {
            name.append(NAME_ALPHABET.charAt(random.nextInt(NAME_ALPHABET.length())));
        }
        return name.toString();
    }

    /** The debug pod made from the production Deployment's pod template. */
    public static Pod fromDeployment(Deployment deployment, Request request) {
        PodSpec template = deployment.getSpec().getTemplate().getSpec();
        List<Container> containers = template.getContainers();
        Container original = containers.stream()
                                       .filter(c -> CONTAINER.equals(c.getName()))
                                       .findFirst()
                                       .orElse(containers.getFirst());
        Map<String, Volume> kept = template.getVolumes() == null ? Map.of()
                : template.getVolumes().stream()
                          .filter(DebugPodSpec::isKeptVolume)
                          .filter(v -> !DATA_VOLUME.equals(v.getName()))
                          .collect(Collectors.toMap(Volume::getName, v -> v, (a, b) -> a, LinkedHashMap::new));
        List<VolumeMount> mounts = original.getVolumeMounts() == null ? List.of()
                : original.getVolumeMounts().stream()
                          .filter(m -> kept.containsKey(m.getName()) && !DATA_PATH.equals(m.getMountPath()))
                          .toList();
        Container container = new ContainerBuilder(original)
                .withName(CONTAINER)
                .withImage(request.image().orElse(original.getImage()))
                .withEnv(withDataDirectory(original.getEnv()))
                .withVolumeMounts(withDataMount(mounts))
                .withPorts(withPorts(original.getPorts()))
                .withReadinessProbe(Optional.ofNullable(original.getReadinessProbe())
                                            .orElseGet(() -> probe(KubeNames.READY_PATH)))
                .withLivenessProbe(Optional.ofNullable(original.getLivenessProbe())
                                           .orElseGet(() -> probe(KubeNames.LIVE_PATH)))
                .withSecurityContext(hardenedContainer(original.getSecurityContext()))
                .build();
        PodSpec spec = new PodSpec();
        spec.setContainers(List.of(container));
        spec.setVolumes(withDataVolume(new ArrayList<>(kept.values())));
        spec.setSecurityContext(hardenedPod(template.getSecurityContext()));
        spec.setImagePullSecrets(template.getImagePullSecrets());
        spec.setNodeSelector(template.getNodeSelector());
        spec.setTolerations(template.getTolerations());
        spec.setTerminationGracePeriodSeconds(template.getTerminationGracePeriodSeconds());
        return pod(spec, request);
    }

    /** The debug pod made from an image alone (no production Deployment to copy from). */
    public static Pod fromImage(String image, Request request) {
        Container container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(image)
                .withEnv(withDataDirectory(List.of()))
                .withVolumeMounts(withDataMount(List.of()))
                .withPorts(withPorts(List.of()))
                .withReadinessProbe(probe(KubeNames.READY_PATH))
                .withLivenessProbe(probe(KubeNames.LIVE_PATH))
                .withResources(new ResourceRequirementsBuilder()
                                       .addToRequests("cpu", new Quantity("100m"))
                                       .addToRequests("memory", new Quantity("256Mi"))
                                       .addToLimits("memory", new Quantity("768Mi"))
                                       .build())
                .withSecurityContext(hardenedContainer(null))
                .build();
        PodSpec spec = new PodSpec();
        spec.setContainers(List.of(container));
        spec.setVolumes(withDataVolume(new ArrayList<>()));
        spec.setSecurityContext(new PodSecurityContextBuilder(hardenedPod(null))
                                        .withRunAsUser(NON_ROOT_UID)
                                        .withRunAsGroup(NON_ROOT_UID)
                                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                                        .build());
        return pod(spec, request);
    }

    private static Pod pod(PodSpec spec, Request request) {
        spec.setRestartPolicy("Never");
        spec.setAutomountServiceAccountToken(false);
        spec.setEnableServiceLinks(false);
        spec.setActiveDeadlineSeconds(Expiry.activeDeadlineSeconds(request.ttl()));
        return new PodBuilder()
                .withNewMetadata()
                .withName(request.name())
                .withLabels(labels(request.owner()))
                .withAnnotations(Map.of(KubeNames.EXPIRES_AT_ANNOTATION,
                                        Expiry.expiresAt(request.now(), request.ttl())))
                .endMetadata()
                .withSpec(spec)
                .build();
    }

    /** The labels of every debug pod. */
    public static Map<String, String> labels(Owner owner) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(KubeNames.NAME_LABEL, KubeNames.NAME_VALUE);
        labels.put(KubeNames.DEBUG_LABEL, KubeNames.DEBUG_VALUE);
        labels.put(KubeNames.OWNER_LABEL, owner.value());
        labels.put(KubeNames.MANAGED_BY_LABEL, KubeNames.MANAGED_BY_VALUE);
        return labels;
    }

    private static boolean isKeptVolume(Volume volume) {
        return volume.getEmptyDir() != null
               || volume.getConfigMap() != null
               || volume.getSecret() != null
               || volume.getProjected() != null
               || volume.getDownwardAPI() != null;
    }

    private static List<Volume> withDataVolume(List<Volume> volumes) {
        volumes.add(new VolumeBuilder().withName(DATA_VOLUME)
                                       .withNewEmptyDir().withSizeLimit(DATA_SIZE_LIMIT).endEmptyDir()
                                       .build());
        return volumes;
    }

    private static List<VolumeMount> withDataMount(List<VolumeMount> mounts) {
        List<VolumeMount> all = new ArrayList<>(mounts);
        all.add(new VolumeMountBuilder().withName(DATA_VOLUME).withMountPath(DATA_PATH).build());
        return all;
    }

    private static List<EnvVar> withDataDirectory(List<EnvVar> env) {
        List<EnvVar> all = new ArrayList<>();
        if (env != null) {
            env.stream().filter(e -> !DATA_DIR_ENV.equals(e.getName())).forEach(all::add);
        }
        all.add(new EnvVarBuilder().withName(DATA_DIR_ENV).withValue(DATA_PATH).build());
        return all;
    }

    private static List<ContainerPort> withPorts(List<ContainerPort> ports) {
        // the export listens on the pod's loopback only: a containerPort for it would advertise what must stay private
        List<ContainerPort> all = new ArrayList<>(ports == null ? List.of()
                : ports.stream().filter(p -> p.getContainerPort() != EXPORT_PORT).toList());
        if (all.stream().noneMatch(p -> p.getContainerPort() == API_PORT)) {
            all.add(new ContainerPortBuilder().withName(API_PORT_NAME).withContainerPort(API_PORT).build());
        }
        if (all.stream().noneMatch(p -> p.getContainerPort() == ADMIN_PORT)) {
            all.add(new ContainerPortBuilder().withName(ADMIN_PORT_NAME).withContainerPort(ADMIN_PORT).build());
        }
        return all;
    }

    private static Probe probe(String path) {
        return new ProbeBuilder().withNewHttpGet().withPath(path).withNewPort(ADMIN_PORT).endHttpGet()
                                 .withPeriodSeconds(5)
                                 .build();
    }

    /** The Deployment's container security context, tightened: never root, never writable, never escalating. */
    static SecurityContext hardenedContainer(SecurityContext original) {
        SecurityContextBuilder builder = original == null ? new SecurityContextBuilder()
                                                          : new SecurityContextBuilder(original);
        Capabilities capabilities = original == null || original.getCapabilities() == null
                ? new CapabilitiesBuilder().withDrop("ALL").build()
                : original.getCapabilities();
        return builder.withRunAsNonRoot(true)
                      .withReadOnlyRootFilesystem(true)
                      .withAllowPrivilegeEscalation(false)
                      .withPrivileged(false)
                      .withCapabilities(capabilities)
                      .build();
    }

    /** The Deployment's pod security context, with {@code runAsNonRoot} forced on. */
    static PodSecurityContext hardenedPod(PodSecurityContext original) {
        PodSecurityContextBuilder builder = original == null ? new PodSecurityContextBuilder()
                                                             : new PodSecurityContextBuilder(original);
        return builder.withRunAsNonRoot(true).build();
    }
}
