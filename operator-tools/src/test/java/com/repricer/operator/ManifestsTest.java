package com.repricer.operator;

import com.repricer.kube.KubeNames;
import com.repricer.operator.guard.DeploymentChecks;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * The files in {@code manifests/} (what {@code kubectl apply -f manifests/} applies) pass the guard, and the
 * operator's RBAC is what its code needs and no more.
 */
class ManifestsTest {

    /** The module runs its tests in its own folder; the pom passes the path too. */
    static final Path MANIFESTS = Path.of(System.getProperty("repricer.manifests.dir", "../manifests"));
    /** Files this module owns (debug-pod owns its tester RBAC file; it is loaded and checked for type only). */
    static final Set<String> OWN_FILES = Set.of("repricer-deployment.yaml", "repricer-service.yaml",
                                                "repricer-data-pvc.yaml", "operator-rbac.yaml",
                                                "operator-deployment.yaml");
    static final String OPERATOR = "repricer-operator";

    private static final Map<String, List<HasMetadata>> byFile = new TreeMap<>();
    private static final List<HasMetadata> all = new ArrayList<>();

    @BeforeAll
    static void load() throws IOException {
        KubernetesSerialization serialization = new KubernetesSerialization();
        List<Path> files;
        try (Stream<Path> list = Files.list(MANIFESTS)) {
            files = list.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        for (Path file : files) {
            List<HasMetadata> resources = new ArrayList<>();
            try (InputStream in = Files.newInputStream(file)) {
                Object loaded = serialization.unmarshal(in);
                switch (loaded) {
                    case KubernetesList list -> resources.addAll(list.getItems());
                    case List<?> list -> list.forEach(item -> resources.add((HasMetadata) item));
                    case HasMetadata one -> resources.add(one);
                    default -> throw new AssertionError(file + " holds no Kubernetes resource: " + loaded);
                }
            }
            byFile.put(file.getFileName().toString(), resources);
            all.addAll(resources);
        }
    }

    @Test
    void everyOwnFileIsThereAndEveryDocumentIsAKnownTypedResource() {
        assertThat(byFile.keySet().containsAll(OWN_FILES), is(true));
        for (var entry : byFile.entrySet()) {
            for (HasMetadata resource : entry.getValue()) {
                assertThat(entry.getKey() + ": " + resource.getKind() + " must load as a typed resource (apiVersion "
                           + "and kind right)", resource, is(not(org.hamcrest.Matchers.instanceOf(
                                   GenericKubernetesResource.class))));
                assertThat(entry.getKey(), resource.getMetadata().getName(), notNullValue());
            }
        }
    }

    /** kubectl validates fields strictly; fabric8 would silently keep a misspelt one aside. */
    @Test
    void noManifestHasAFieldKubernetesDoesNotKnow() {
        List<String> unknown = new ArrayList<>();
        for (var entry : byFile.entrySet()) {
            for (HasMetadata resource : entry.getValue()) {
                unknownFields(resource, entry.getKey() + " " + resource.getKind() + " "
                                        + resource.getMetadata().getName(), unknown);
            }
        }
        assertThat(unknown, is(empty()));
    }

    @Test
    void aMisspeltFieldIsNoticed() {
        Deployment typo = new KubernetesSerialization().unmarshal("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: typo}
                spec:
                  replicas: 1
                  template:
                    spec:
                      containers:
                        - name: repricer
                          securityContext: {readOnlyRootFileSystem: true}
                """, Deployment.class);
        List<String> unknown = new ArrayList<>();

        unknownFields(typo, "typo", unknown);

        assertThat(unknown, is(List.of("typo.spec.template.spec.containers[0].securityContext: unknown fields "
                                       + "[readOnlyRootFileSystem]")));
    }

    /** Collects the additional (unknown) properties of every model object under {@code model}. */
    private static void unknownFields(Object model, String path, List<String> unknown) {
        switch (model) {
            case null -> {
            }
            case List<?> list -> {
                for (int i = 0; i < list.size(); i++) {
                    unknownFields(list.get(i), path + "[" + i + "]", unknown);
                }
            }
            case Map<?, ?> map -> map.forEach((key, value) -> unknownFields(value, path + "." + key, unknown));
            default -> {
                if (!model.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
                    return;
                }
                for (java.lang.reflect.Method getter : model.getClass().getMethods()) {
                    if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                        || getter.getDeclaringClass() == Object.class) {
                        continue;
                    }
                    Object value;
                    try {
                        value = getter.invoke(model);
                    } catch (ReflectiveOperationException e) {
                        throw new AssertionError(path + "." + getter.getName(), e);
                    }
                    String name = getter.getName().substring(3);
                    if (name.equals("AdditionalProperties")) {
                        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                            unknown.add(path + ": unknown fields " + extra.keySet());
                        }
                    } else {
                        unknownFields(value, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1),
                                      unknown);
                    }
                }
            }
        }
    }

    @Test
    void ownManifestsNameNoNamespaceSoThatApplyMinusNPlacesThem() {
        for (String file : OWN_FILES) {
            for (HasMetadata resource : byFile.get(file)) {
                assertThat(file + " " + resource.getKind(), resource.getMetadata().getNamespace(), nullValue());
            }
        }
    }

    @Test
    void theRepricerDeploymentPassesTheGuard() {
        Deployment repricer = deployment(KubeNames.DEPLOYMENT);

        assertThat(DeploymentChecks.check(repricer, all), is(empty()));
    }

    @Test
    void theRepricerDeploymentHasWhatTheGuardDoesNotCheck() {
        Deployment repricer = deployment(KubeNames.DEPLOYMENT);
        var pod = repricer.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().getFirst();

        assertThat(repricer.getApiVersion(), is("apps/v1"));
        assertThat(repricer.getSpec().getReplicas(), is(1));
        assertThat(pod.getTerminationGracePeriodSeconds(), is(30L));
        assertThat(pod.getSecurityContext().getFsGroup(), is(65532L));
        assertThat(pod.getSecurityContext().getRunAsUser(), is(65532L));
        assertThat(container.getPorts().stream().map(p -> p.getName() + "=" + p.getContainerPort()).toList(),
                   is(List.of(KubeNames.API_PORT_NAME + "=" + KubeNames.API_PORT,
                              KubeNames.ADMIN_PORT_NAME + "=" + KubeNames.ADMIN_PORT)));
        assertThat(container.getEnv().stream().filter(e -> e.getName().equals(KubeNames.DATA_DIR_ENV))
                            .map(e -> e.getValue()).toList(), is(List.of(KubeNames.DATA_PATH)));
        assertThat(container.getImage(), is("repricer.azurecr.io/repricer:latest"));
        for (String resource : List.of("cpu", "memory")) {
            assertThat(resource + " request", container.getResources().getRequests().get(resource), notNullValue());
            assertThat(resource + " limit", container.getResources().getLimits().get(resource), notNullValue());
        }
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation(), is(false));
        assertThat(DeploymentChecks.dataClaim(repricer).orElseThrow(), is(KubeNames.DATA_CLAIM));
    }

    @Test
    void theClaimIsReadWriteOnceOnAnAksStorageClass() {
        PersistentVolumeClaim claim = one(PersistentVolumeClaim.class, KubeNames.DATA_CLAIM);

        assertThat(claim.getSpec().getAccessModes(), is(List.of("ReadWriteOnce")));
        assertThat(claim.getSpec().getStorageClassName(), is("managed-csi"));
        assertThat(claim.getSpec().getResources().getRequests().get("storage"), notNullValue());
    }

    @Test
    void theServiceSendsPort80ToTheApiAndNeverToADebugPod() {
        Service service = one(Service.class, KubeNames.DEPLOYMENT);
        Deployment repricer = deployment(KubeNames.DEPLOYMENT);

        assertThat(service.getSpec().getPorts(), hasSize(1));
        ServicePort port = service.getSpec().getPorts().getFirst();
        assertThat(port.getPort(), is(80));
        Container container = repricer.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Integer target = port.getTargetPort().getIntVal() != null ? port.getTargetPort().getIntVal()
                : container.getPorts().stream().filter(p -> p.getName().equals(port.getTargetPort().getStrVal()))
                           .map(p -> p.getContainerPort()).findFirst().orElse(null);
        assertThat(target, is(KubeNames.API_PORT));
        Map<String, String> selector = service.getSpec().getSelector();
        assertThat("the Service selects the repricer's pods",
                   matches(selector, repricer.getSpec().getTemplate().getMetadata().getLabels()), is(true));
        assertThat("the Deployment's selector selects its own pods",
                   matches(repricer.getSpec().getSelector().getMatchLabels(),
                           repricer.getSpec().getTemplate().getMetadata().getLabels()), is(true));
        assertThat("the Service must not select debug pods", matches(selector, debugPodLabels()), is(false));
    }

    @Test
    void theOperatorRoleGrantsExactlyWhatTheToolsCall() {
        Role role = one(Role.class, OPERATOR);
        Map<String, Set<String>> granted = new LinkedHashMap<>();
        for (PolicyRule rule : role.getRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    String names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty() ? ""
                            : rule.getResourceNames().toString();
                    granted.computeIfAbsent(group + "/" + resource + names, k -> new TreeSet<>())
                           .addAll(rule.getVerbs());
                }
            }
        }

        assertThat(granted, is(Map.of(
                "/pods", Set.of("delete", "list", "watch"),
                "/events", Set.of("create"),
                "apps/deployments", Set.of("get", "list", "watch"),
                "apps/deployments[" + KubeNames.DEPLOYMENT + "]", Set.of("patch"),
                "apps/statefulsets", Set.of("list"),
                "/persistentvolumeclaims", Set.of("get"))));
        assertThat(role.getRules().stream().flatMap(r -> r.getVerbs().stream()).toList(), everyItem(not("*")));
    }

    @Test
    void theRoleBindingBindsTheRoleToTheOperatorsServiceAccount() {
        RoleBinding binding = one(RoleBinding.class, OPERATOR);
        one(ServiceAccount.class, OPERATOR);

        assertThat(binding.getRoleRef().getKind(), is("Role"));
        assertThat(binding.getRoleRef().getName(), is(OPERATOR));
        assertThat(binding.getRoleRef().getApiGroup(), is("rbac.authorization.k8s.io"));
        assertThat(binding.getSubjects(), hasSize(1));
        assertThat(binding.getSubjects().getFirst().getKind(), is("ServiceAccount"));
        assertThat(binding.getSubjects().getFirst().getName(), is(OPERATOR));
    }

    @Test
    void theOperatorDeploymentRunsRealCommandsAsItsServiceAccountHardened() {
        Deployment operator = deployment(OPERATOR);
        var pod = operator.getSpec().getTemplate().getSpec();

        assertThat(pod.getServiceAccountName(), is(OPERATOR));
        assertThat(pod.getSecurityContext().getRunAsNonRoot(), is(true));
        assertThat(pod.getContainers().stream().map(Container::getName).toList(), is(List.of("reaper", "guard")));
        Set<Integer> healthPorts = new TreeSet<>();
        for (Container container : pod.getContainers()) {
            OperatorCli cli = new OperatorCli(() -> {
                throw new AssertionError("parsing needs no client");
            }, java.time.Clock.systemUTC(), new java.io.PrintWriter(java.io.Writer.nullWriter()), port -> {
            }, "test");
            CommandLine.ParseResult parsed = new CommandLine(cli).parseArgs(container.getArgs().toArray(String[]::new));
            assertThat(container.getName() + " runs a subcommand", parsed.hasSubcommand(), is(true));
            int healthPort = parsed.subcommand().matchedOptionValue("--health-port", -1);
            healthPorts.add(healthPort);
            var ports = container.getPorts().stream().map(p -> p.getContainerPort()).toList();
            assertThat(container.getName(), ports, hasItem(healthPort));
            for (var probe : Stream.of(container.getLivenessProbe(), container.getReadinessProbe()).toList()) {
                assertThat(container.getName(), probe, notNullValue());
                var target = probe.getHttpGet().getPort();
                Integer probed = target.getIntVal() != null ? target.getIntVal()
                        : container.getPorts().stream().filter(p -> p.getName().equals(target.getStrVal()))
                                   .map(p -> p.getContainerPort()).findFirst().orElse(null);
                assertThat(container.getName(), probed, is(healthPort));
            }
            assertThat(container.getSecurityContext().getReadOnlyRootFilesystem(), is(true));
            assertThat(container.getSecurityContext().getAllowPrivilegeEscalation(), is(false));
            assertThat(container.getResources().getLimits().get("memory"), notNullValue());
        }
        assertThat("each container its own health port", healthPorts, hasSize(2));
        assertThat(pod.getContainers().getLast().getArgs(), hasItem("--fix"));
    }

    private static Map<String, String> debugPodLabels() {
        return Map.of(KubeNames.NAME_LABEL, KubeNames.NAME_VALUE, KubeNames.DEBUG_LABEL, KubeNames.DEBUG_VALUE,
                      KubeNames.OWNER_LABEL, "alice", "app.kubernetes.io/managed-by", "repricer-debug");
    }

    private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty()
               && selector.entrySet().stream().allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
    }

    private static Deployment deployment(String name) {
        return one(Deployment.class, name);
    }

    private static <T extends HasMetadata> T one(Class<T> type, String name) {
        List<T> found = all.stream().filter(type::isInstance).map(type::cast)
                           .filter(r -> name.equals(r.getMetadata().getName())).toList();
        assertThat(type.getSimpleName() + " " + name + " in " + MANIFESTS, found, hasSize(1));
        return found.getFirst();
    }
}
