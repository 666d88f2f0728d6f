package com.repricer.operator.guard;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static com.repricer.operator.guard.Violation.Kind.CLAIM_ACCESS_MODE;
import static com.repricer.operator.guard.Violation.Kind.CLAIM_MISSING;
import static com.repricer.operator.guard.Violation.Kind.CLAIM_SHARED;
import static com.repricer.operator.guard.Violation.Kind.CONTAINER_MISSING;
import static com.repricer.operator.guard.Violation.Kind.DATA_MOUNT;
import static com.repricer.operator.guard.Violation.Kind.DATA_VOLUME;
import static com.repricer.operator.guard.Violation.Kind.EXPORT_PORT_EXPOSED;
import static com.repricer.operator.guard.Violation.Kind.LIVENESS_PROBE;
import static com.repricer.operator.guard.Violation.Kind.READINESS_PROBE;
import static com.repricer.operator.guard.Violation.Kind.READ_ONLY_ROOT_FILESYSTEM;
import static com.repricer.operator.guard.Violation.Kind.REPLICAS;
import static com.repricer.operator.guard.Violation.Kind.RUN_AS_NON_ROOT;
import static com.repricer.operator.guard.Violation.Kind.STRATEGY;

/**
 * What is wrong with the repricer Deployment: a pure function of the Deployment and its neighbours (the other
 * workloads, pods and claims of its namespace, from the API or from {@code manifests/}). No client: the guard
 * fetches, this decides, the tests enumerate.
 *
 * <p>The invariants: at most one replica; the {@code Recreate} strategy; a container {@value KubeNames#CONTAINER}
 * whose data directory ({@value KubeNames#DATA_DIR_ENV}, default {@value KubeNames#DATA_PATH}) is a writable mount
 * of a PersistentVolumeClaim that exists, is ReadWriteOnce (or ReadWriteOncePod) and is mounted by nothing else;
 * HTTP liveness and readiness probes on the admin port {@value KubeNames#ADMIN_PORT}
 * ({@value KubeNames#LIVE_PATH}, {@value KubeNames#READY_PATH}); {@code runAsNonRoot}; a read-only root file
 * system; no {@code containerPort} {@value KubeNames#EXPORT_PORT} (the results export stays on the pod's
 * loopback).
 */
public final class DeploymentChecks {

    public static final String RECREATE = "Recreate";
    /** What Kubernetes assumes when a Deployment names no strategy. */
    static final String DEFAULT_STRATEGY = "RollingUpdate";
    static final Set<String> SINGLE_WRITER_MODES = Set.of("ReadWriteOnce", "ReadWriteOncePod");
    static final Set<String> TERMINAL_POD_PHASES = Set.of("Succeeded", "Failed");
    /** The label a Deployment's ReplicaSet puts on its pods; the ReplicaSet is named {@code <deployment>-<hash>}. */
    static final String POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

    private DeploymentChecks() {
    }

    /**
     * The violations of {@code deployment}, in {@link Violation.Kind} order; empty if it passes.
     *
     * @param neighbours the claims, workloads and pods beside it (anything else, and the Deployment itself, is
     *                   ignored)
     */
    public static List<Violation> check(Deployment deployment, List<? extends HasMetadata> neighbours) {
        List<Violation> found = new ArrayList<>();
        DeploymentSpec spec = Objects.requireNonNullElseGet(deployment.getSpec(), DeploymentSpec::new);
        int replicas = Objects.requireNonNullElse(spec.getReplicas(), 1);
        if (replicas > 1) {
            found.add(new Violation(REPLICAS, "spec.replicas is " + replicas + ": the repricer is one stateful "
                                              + "instance; a second pod corrupts the previous-price chain or "
                                              + "cannot attach the volume (at most 1)"));
        }
        String strategy = spec.getStrategy() == null || spec.getStrategy().getType() == null ? DEFAULT_STRATEGY
                : spec.getStrategy().getType();
        if (!RECREATE.equals(strategy)) {
            found.add(new Violation(STRATEGY, "spec.strategy.type is " + strategy + ": an update would start the "
                                              + "new pod while the old one still holds the volume (must be "
                                              + RECREATE + ")"));
        }
        PodSpec pod = podSpec(spec.getTemplate());
        Optional<Container> container = repricerContainer(pod);
        if (container.isEmpty()) {
            found.add(new Violation(CONTAINER_MISSING, "the pod template has no container named "
                                                       + KubeNames.CONTAINER + ": its data volume, probes and "
                                                       + "security context cannot be checked"));
            return found;
        }
        Container c = container.get();
        checkData(deployment, pod, c, neighbours, found);
        probeProblem(c.getLivenessProbe(), KubeNames.LIVE_PATH, c).ifPresent(problem -> found.add(
                new Violation(LIVENESS_PROBE, probeMessage("liveness", KubeNames.LIVE_PATH, problem))));
        probeProblem(c.getReadinessProbe(), KubeNames.READY_PATH, c).ifPresent(problem -> found.add(
                new Violation(READINESS_PROBE, probeMessage("readiness", KubeNames.READY_PATH, problem))));
        checkSecurity(pod, c, found);
        (c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()).stream()
                .filter(p -> p.getContainerPort() != null && p.getContainerPort() == KubeNames.EXPORT_PORT)
                .findFirst()
                .ifPresent(p -> found.add(new Violation(EXPORT_PORT_EXPOSED, "container " + c.getName()
                        + " declares containerPort " + KubeNames.EXPORT_PORT + (p.getName() == null ? "" : " ("
                        + p.getName() + ")") + ": the results export listens on the pod's loopback only, for a "
                        + "port-forward; a Service or NetworkPolicy must not be led to expect it")));
        return found;
    }

    /** The Deployment says its data may die with the pod ({@link KubeNames#EPHEMERAL_DATA_ANNOTATION}). */
    private static boolean declaresEphemeralData(Deployment deployment) {
        Map<String, String> annotations = deployment.getMetadata() == null ? null
                : deployment.getMetadata().getAnnotations();
        return annotations != null && "true".equals(annotations.get(KubeNames.EPHEMERAL_DATA_ANNOTATION));
    }

    /** The claim behind the data directory of the Deployment's repricer container, if it is a claim. */
    public static Optional<String> dataClaim(Deployment deployment) {
        PodSpec pod = podSpec(deployment.getSpec() == null ? null : deployment.getSpec().getTemplate());
        return repricerContainer(pod)
                .flatMap(c -> dataMount(c).flatMap(m -> volume(pod, m.getName())))
                .filter(v -> v.getPersistentVolumeClaim() != null)
                .map(v -> v.getPersistentVolumeClaim().getClaimName());
    }

    private static void checkData(Deployment deployment, PodSpec pod, Container c,
                                  List<? extends HasMetadata> neighbours, List<Violation> found) {
        String dataDir = dataDirectory(c);
        Optional<VolumeMount> mount = dataMount(c);
        if (mount.isEmpty()) {
            found.add(new Violation(DATA_MOUNT, "container " + c.getName() + " mounts no volume at its data "
                                                + "directory " + dataDir + ": the data would live on the root "
                                                + "file system and die with the pod"));
            return;
        }
        String volumeName = mount.get().getName();
        Optional<Volume> volume = volume(pod, volumeName);
        if (volume.isEmpty()) {
            found.add(new Violation(DATA_MOUNT, "container " + c.getName() + " mounts volume " + volumeName + " at "
                                                + mount.get().getMountPath() + ", but the pod defines no such "
                                                + "volume"));
            return;
        }
        boolean readOnly = Boolean.TRUE.equals(mount.get().getReadOnly())
                           || volume.get().getPersistentVolumeClaim() != null
                              && Boolean.TRUE.equals(volume.get().getPersistentVolumeClaim().getReadOnly());
        if (readOnly) {
            found.add(new Violation(DATA_MOUNT, "volume " + volumeName + " is mounted read-only at "
                                                + mount.get().getMountPath() + ": the repricer writes its data "
                                                + "there"));
        }
        if (volume.get().getPersistentVolumeClaim() == null) {
            if (volume.get().getEmptyDir() != null && declaresEphemeralData(deployment)) {
                return;
            }
            found.add(new Violation(DATA_VOLUME, "volume " + volumeName + " (the data directory " + dataDir
                                                 + ") is " + volumeKind(volume.get()) + ", not a "
                                                 + "PersistentVolumeClaim: the data would not survive the pod"));
            return;
        }
        String claimName = volume.get().getPersistentVolumeClaim().getClaimName();
        Optional<PersistentVolumeClaim> claim = neighbours.stream()
                .filter(PersistentVolumeClaim.class::isInstance)
                .map(PersistentVolumeClaim.class::cast)
                .filter(pvc -> claimName.equals(pvc.getMetadata().getName()) && sameNamespace(pvc, deployment))
                .findFirst();
        if (claim.isEmpty()) {
            found.add(new Violation(CLAIM_MISSING, "PersistentVolumeClaim " + claimName + " (volume " + volumeName
                                                   + ") does not exist: the pod cannot start"));
        } else {
            List<String> modes = claim.get().getSpec() == null || claim.get().getSpec().getAccessModes() == null
                    ? List.of() : claim.get().getSpec().getAccessModes();
            if (modes.isEmpty() || !SINGLE_WRITER_MODES.containsAll(modes)) {
                found.add(new Violation(CLAIM_ACCESS_MODE, "PersistentVolumeClaim " + claimName + " has access "
                                                           + "modes " + modes + ": it must be ReadWriteOnce so "
                                                           + "that one node at most writes it"));
            }
        }
        for (HasMetadata other : neighbours) {
            if (sameNamespace(other, deployment) && !isSelfOrOwn(other, deployment)
                && podSpecOf(other).map(DeploymentChecks::claimNames).orElse(Set.of()).contains(claimName)) {
                found.add(new Violation(CLAIM_SHARED, other.getKind() + " " + other.getMetadata().getName()
                                                      + " also mounts PersistentVolumeClaim " + claimName
                                                      + ": two writers on the data, or a volume that cannot "
                                                      + "attach twice"));
            }
        }
    }

    private static void checkSecurity(PodSpec pod, Container c, List<Violation> found) {
        SecurityContext container = c.getSecurityContext();
        PodSecurityContext podContext = pod.getSecurityContext();
        Boolean nonRoot = container != null && container.getRunAsNonRoot() != null ? container.getRunAsNonRoot()
                : podContext == null ? null : podContext.getRunAsNonRoot();
        Long user = container != null && container.getRunAsUser() != null ? container.getRunAsUser()
                : podContext == null ? null : podContext.getRunAsUser();
        if (!Boolean.TRUE.equals(nonRoot)) {
            found.add(new Violation(RUN_AS_NON_ROOT, "runAsNonRoot is " + (nonRoot == null ? "not set" : nonRoot)
                                                     + " (container and pod securityContext): nothing stops the "
                                                     + "container from running as root"));
        } else if (user != null && user == 0) {
            found.add(new Violation(RUN_AS_NON_ROOT, "runAsUser is 0 (root) although runAsNonRoot is true: the "
                                                     + "pod cannot start"));
        }
        if (container == null || !Boolean.TRUE.equals(container.getReadOnlyRootFilesystem())) {
            found.add(new Violation(READ_ONLY_ROOT_FILESYSTEM, "container " + c.getName() + " does not set "
                                                               + "securityContext.readOnlyRootFilesystem: true "
                                                               + "(only the data volume should be writable)"));
        }
    }

    /** Empty if the probe is an HTTP GET of {@code path} on the admin port; else what it is instead. */
    private static Optional<String> probeProblem(Probe probe, String path, Container c) {
        if (probe == null) {
            return Optional.of("there is none");
        }
        HTTPGetAction get = probe.getHttpGet();
        if (get == null) {
            String kind = probe.getTcpSocket() != null ? "a TCP" : probe.getExec() != null ? "an exec"
                    : probe.getGrpc() != null ? "a gRPC" : "not an HTTP";
            return Optional.of("it is " + kind + " probe");
        }
        Optional<Integer> port = resolvePort(get.getPort(), c.getPorts());
        if (port.isEmpty()) {
            return Optional.of("its port " + portText(get.getPort()) + " is no port of the container");
        }
        if (port.get() != KubeNames.ADMIN_PORT) {
            return Optional.of("it probes port " + port.get());
        }
        if (!path.equals(get.getPath())) {
            return Optional.of("it probes " + get.getPath());
        }
        return Optional.empty();
    }

    private static String probeMessage(String which, String path, String problem) {
        return "the " + which + " probe must be an HTTP GET of " + path + " on the admin port "
               + KubeNames.ADMIN_PORT + ", but " + problem;
    }

    private static Optional<Integer> resolvePort(IntOrString port, List<ContainerPort> ports) {
        if (port == null) {
            return Optional.empty();
        }
        if (port.getIntVal() != null) {
            return Optional.of(port.getIntVal());
        }
        return (ports == null ? List.<ContainerPort>of() : ports).stream()
                .filter(p -> port.getStrVal() != null && port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst();
    }

    private static String portText(IntOrString port) {
        return port == null ? "(none)" : port.getIntVal() != null ? port.getIntVal().toString() : port.getStrVal();
    }

    private static Optional<Container> repricerContainer(PodSpec pod) {
        return pod.getContainers() == null ? Optional.empty()
                : pod.getContainers().stream().filter(c -> KubeNames.CONTAINER.equals(c.getName())).findFirst();
    }

    /** {@value KubeNames#DATA_DIR_ENV} as the container sets it, else the service's default. */
    private static String dataDirectory(Container c) {
        return (c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()).stream()
                .filter(e -> KubeNames.DATA_DIR_ENV.equals(e.getName()) && e.getValue() != null)
                .map(e -> normalise(e.getValue()))
                .findFirst()
                .orElse(KubeNames.DATA_PATH);
    }

    /** The mount holding the data directory: at it, or else at its deepest mounted ancestor. */
    private static Optional<VolumeMount> dataMount(Container c) {
        String dataDir = dataDirectory(c);
        return (c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()).stream()
                .filter(m -> m.getMountPath() != null)
                .filter(m -> {
                    String path = normalise(m.getMountPath());
                    return path.equals(dataDir) || dataDir.startsWith(path.endsWith("/") ? path : path + "/");
                })
                .max(Comparator.comparingInt(m -> normalise(m.getMountPath()).length()));
    }

    private static String normalise(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static Optional<Volume> volume(PodSpec pod, String name) {
        return pod.getVolumes() == null ? Optional.empty()
                : pod.getVolumes().stream().filter(v -> name.equals(v.getName())).findFirst();
    }

    private static String volumeKind(Volume v) {
        Map<String, Function<Volume, Object>> kinds = Map.of(
                "an emptyDir", Volume::getEmptyDir,
                "a hostPath", Volume::getHostPath,
                "a configMap", Volume::getConfigMap,
                "a secret", Volume::getSecret,
                "an ephemeral volume", Volume::getEphemeral,
                "an azureDisk", Volume::getAzureDisk,
                "a csi volume", Volume::getCsi,
                "an nfs volume", Volume::getNfs);
        return kinds.entrySet().stream()
                    .filter(e -> e.getValue().apply(v) != null)
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElse("another kind of volume");
    }

    private static PodSpec podSpec(PodTemplateSpec template) {
        return template == null || template.getSpec() == null ? new PodSpec() : template.getSpec();
    }

    /** The pod spec of a workload or pod that could mount the claim; empty for anything else. */
    private static Optional<PodSpec> podSpecOf(HasMetadata resource) {
        return Optional.ofNullable(switch (resource) {
            case Deployment d when d.getSpec() != null -> podSpec(d.getSpec().getTemplate());
            case StatefulSet s when s.getSpec() != null -> podSpec(s.getSpec().getTemplate());
            case DaemonSet s when s.getSpec() != null -> podSpec(s.getSpec().getTemplate());
            case Job j when j.getSpec() != null -> podSpec(j.getSpec().getTemplate());
            case CronJob j when j.getSpec() != null && j.getSpec().getJobTemplate() != null
                                && j.getSpec().getJobTemplate().getSpec() != null ->
                    podSpec(j.getSpec().getJobTemplate().getSpec().getTemplate());
            case Pod p when p.getSpec() != null && !isTerminated(p) -> p.getSpec();
            default -> null;
        });
    }

    private static Set<String> claimNames(PodSpec pod) {
        return pod.getVolumes() == null ? Set.of()
                : pod.getVolumes().stream()
                     .filter(v -> v.getPersistentVolumeClaim() != null)
                     .map(v -> v.getPersistentVolumeClaim().getClaimName())
                     .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** The Deployment itself, or one of its pods (owned by a ReplicaSet named {@code <deployment>-<hash>}). */
    private static boolean isSelfOrOwn(HasMetadata other, Deployment deployment) {
        String name = deployment.getMetadata().getName();
        if (other instanceof Deployment d) {
            return name.equals(d.getMetadata().getName());
        }
        if (!(other instanceof Pod pod) || pod.getMetadata().getOwnerReferences() == null) {
            return false;
        }
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        String hash = labels.get(POD_TEMPLATE_HASH_LABEL);
        return pod.getMetadata().getOwnerReferences().stream()
                  .filter(o -> Boolean.TRUE.equals(o.getController()) && "ReplicaSet".equals(o.getKind()))
                  .map(OwnerReference::getName)
                  .anyMatch(rs -> hash != null && rs.equals(name + "-" + hash));
    }

    private static boolean isTerminated(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getPhase() != null
               && TERMINAL_POD_PHASES.contains(pod.getStatus().getPhase());
    }

    /** Same namespace; an unset namespace (a manifest file) matches any. */
    private static boolean sameNamespace(HasMetadata a, HasMetadata b) {
        String na = a.getMetadata().getNamespace();
        String nb = b.getMetadata().getNamespace();
        return na == null || nb == null || na.equals(nb);
    }
}
