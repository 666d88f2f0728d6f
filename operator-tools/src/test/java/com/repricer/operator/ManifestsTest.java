package com.repricer.operator;

import com.repricer.kube.KubeNames;
import com.repricer.operator.IngressRules.Source;
import com.repricer.operator.guard.DeploymentChecks;
import com.repricer.operator.guard.Violation;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * The kustomizations under {@code manifests/} — the base and each overlay, built by {@code kubectl kustomize} as
 * {@code kubectl apply -k} builds them — pass the guard (dev: all but the durable data volume, by design), admit
 * connections only as docs/deployment.md says, and give the operator what its code needs and no more.
 */
class ManifestsTest {

    /** The module runs its tests in its own folder; the pom passes the path too. */
    static final Path MANIFESTS = Path.of(System.getProperty("repricer.manifests.dir", "../manifests"));
    static final String BASE = "base";
    static final String DEV = "overlays/dev";
    static final String AKS = "overlays/aks";
    private static final Set<String> CUSTOM_RESOURCE_KINDS = Set.of("PrometheusRule");
    static final String OPERATOR = "repricer-operator";
    /** The namespace each build admits the admin port from: the aks overlay's patch point. */
    static final Map<String, String> MONITORING_NAMESPACE = Map.of(BASE, "monitoring", DEV, "monitoring",
                                                                   AKS, "kube-system");
    /** The namespace label that admits crawlers to the API (docs/deployment.md). */
    static final String CRAWLER_LABEL = "repricer.io/crawler";
    /** Any namespace the repricer is applied to. */
    static final String NAMESPACE = "repricer";

    private static final Map<String, KustomizeBuild> builds = new ConcurrentHashMap<>();

    /** Built once per test class run; each test that needs kubectl skips on its own without it. */
    /**
     * The build's resources of Kubernetes' own kinds: fabric8's model has no class for a custom resource such as the
     * PrometheusRule (monitoring.coreos.com), whose rules promtool checks instead (service's AlertRulesTest).
     */
    private static List<HasMetadata> coreResources(String directory) {
        return built(directory).resources().stream()
                               .filter(r -> !CUSTOM_RESOURCE_KINDS.contains(r.getKind()))
                               .toList();
    }

    private static KustomizeBuild built(String directory) {
        return builds.computeIfAbsent(directory, d -> KustomizeBuild.build(MANIFESTS, d));
    }

    @Test
    void theBaseKustomizationListsEveryFileOfTheBase() throws IOException {
        Path base = MANIFESTS.resolve(BASE);
        Map<?, ?> kustomization = new KubernetesSerialization().unmarshal(
                Files.readString(base.resolve("kustomization.yaml")), Map.class);
        Set<String> files;
        try (Stream<Path> list = Files.list(base)) {
            files = list.map(p -> p.getFileName().toString())
                        .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml"))
                        .collect(Collectors.toCollection(TreeSet::new));
        }

        assertThat(new TreeSet<>((List<?>) kustomization.get("resources")), is(files));
    }

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void eachBuildHoldsTheShippedResources(String directory) {
        Set<String> expected = new TreeSet<>(Set.of(
                "Deployment/repricer", "Service/repricer", "PersistentVolumeClaim/repricer-data",
                "NetworkPolicy/repricer-api", "NetworkPolicy/repricer-admin",
                "ServiceAccount/repricer-operator", "Role/repricer-operator", "RoleBinding/repricer-operator",
                "Deployment/repricer-operator",
                "Role/repricer-debug-tester", "RoleBinding/repricer-debug-testers"));
        if (directory.equals(DEV)) {
            expected.remove("PersistentVolumeClaim/repricer-data");
        }
        if (directory.equals(AKS)) {
            expected.add("PrometheusRule/repricer");
        }

        assertThat(built(directory).resources().stream()
                                   .map(r -> r.getKind() + "/" + r.getMetadata().getName())
                                   .collect(Collectors.toCollection(TreeSet::new)), is(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void everyDocumentIsAKnownTypedResource(String directory) {
        for (HasMetadata resource : coreResources(directory)) {
            assertThat(directory + ": " + resource.getKind() + " must load as a typed resource (apiVersion and kind "
                       + "right)", resource, is(not(org.hamcrest.Matchers.instanceOf(
                               GenericKubernetesResource.class))));
            assertThat(directory, resource.getMetadata().getName(), notNullValue());
        }
    }

    /** kubectl validates fields strictly; fabric8 would silently keep a misspelt one aside (also one a patch adds). */
    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void noManifestHasAFieldKubernetesDoesNotKnow(String directory) {
        List<String> unknown = new ArrayList<>();
        for (HasMetadata resource : coreResources(directory)) {
            unknownFields(resource, directory + " " + resource.getKind() + " " + resource.getMetadata().getName(),
                          unknown);
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

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void noResourceNamesANamespaceSoThatApplyMinusNPlacesThem(String directory) {
        for (HasMetadata resource : built(directory).resources()) {
            assertThat(directory + " " + resource.getKind(), resource.getMetadata().getNamespace(), nullValue());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void theRepricerDeploymentPassesTheGuard(String directory) {
        KustomizeBuild build = built(directory);

        assertThat(DeploymentChecks.check(deployment(build, KubeNames.DEPLOYMENT), build.resources()), is(empty()));
    }

    /**
     * Dev keeps its data in an emptyDir and passes the guard only because it declares that: without the annotation
     * the guard reports the emptyDir, and nothing else. Every other invariant (one replica, Recreate, a writable
     * mount at the data directory, the probes, non-root, read-only root) holds in dev too.
     */
    @Test
    void devPassesTheGuardOnlyByDeclaringItsDataEphemeral() {
        KustomizeBuild dev = built(DEV);
        Deployment declared = deployment(dev, KubeNames.DEPLOYMENT);
        assertThat(declared.getMetadata().getAnnotations().get(KubeNames.EPHEMERAL_DATA_ANNOTATION), is("true"));
        // A copy: the build is shared by the other tests.
        Deployment undeclared = new DeploymentBuilder(declared).editMetadata()
                .removeFromAnnotations(KubeNames.EPHEMERAL_DATA_ANNOTATION).endMetadata().build();

        List<Violation> violations = DeploymentChecks.check(undeclared, dev.resources());

        assertThat(violations.stream().map(Violation::kind).toList(), is(List.of(Violation.Kind.DATA_VOLUME)));
        assertThat(violations.getFirst().message(), containsString("an emptyDir"));
    }

    /**
     * The export is loopback-only because the service binds it so (no manifest declares it): its embedded defaults
     * put it on 127.0.0.1 at the contract's port, the one {@code repricer-debug collect} forwards to.
     */
    @Test
    void theServiceBindsTheExportToLoopbackOnTheContractsPort() throws IOException {
        Map<?, ?> defaults = new KubernetesSerialization().unmarshal(Files.readString(
                MANIFESTS.resolveSibling("service/src/main/resources/application.yaml")), Map.class);
        Map<?, ?> export = ((List<?>) ((Map<?, ?>) defaults.get("server")).get("sockets"))
                .stream().map(Map.class::cast).filter(socket -> "export".equals(socket.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no socket named export in application.yaml"));

        assertThat(export.get("host"), is("127.0.0.1"));
        assertThat(export.get("port"), is(KubeNames.EXPORT_PORT));
    }

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void theRepricerDeploymentHasWhatTheGuardDoesNotCheck(String directory) {
        Deployment repricer = deployment(built(directory), KubeNames.DEPLOYMENT);
        var pod = repricer.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().getFirst();

        assertThat(repricer.getApiVersion(), is("apps/v1"));
        assertThat(repricer.getSpec().getReplicas(), is(1));
        assertThat(pod.getTerminationGracePeriodSeconds(), is(30L));
        assertThat(pod.getSecurityContext().getFsGroup(), is(65532L));
        assertThat(pod.getSecurityContext().getRunAsUser(), is(65532L));
        assertThat("no containerPort for the loopback-only export",
                   container.getPorts().stream().map(p -> p.getName() + "=" + p.getContainerPort()).toList(),
                   is(List.of(KubeNames.API_PORT_NAME + "=" + KubeNames.API_PORT,
                              KubeNames.ADMIN_PORT_NAME + "=" + KubeNames.ADMIN_PORT)));
        assertThat(container.getEnv().stream().filter(e -> e.getName().equals(KubeNames.DATA_DIR_ENV))
                            .map(e -> e.getValue()).toList(), is(List.of(KubeNames.DATA_PATH)));
        assertThat("the export keeps its loopback socket on its default port",
                   container.getEnv().stream().map(e -> e.getName())
                            .filter(name -> name.equals(KubeNames.EXPORT_PORT_ENV) || name.startsWith("SERVER_SOCKETS"))
                            .toList(), is(empty()));
        assertThat(container.getImage(), is("repricer.azurecr.io/repricer:latest"));
        for (String resource : List.of("cpu", "memory")) {
            assertThat(resource + " request", container.getResources().getRequests().get(resource), notNullValue());
            assertThat(resource + " limit", container.getResources().getLimits().get(resource), notNullValue());
        }
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation(), is(false));
        assertThat("dev keeps its data in an emptyDir", DeploymentChecks.dataClaim(repricer),
                   is(directory.equals(DEV) ? Optional.empty() : Optional.of(KubeNames.DATA_CLAIM)));
    }

    @Test
    void devAsksForLessCpuAndMemoryThanAks() {
        Container dev = deployment(built(DEV), KubeNames.DEPLOYMENT).getSpec().getTemplate().getSpec()
                                                                    .getContainers().getFirst();
        Container aks = deployment(built(AKS), KubeNames.DEPLOYMENT).getSpec().getTemplate().getSpec()
                                                                    .getContainers().getFirst();
        for (String resource : List.of("cpu", "memory")) {
            assertThat(resource + " limit", amount(dev.getResources().getLimits().get(resource)),
                       lessThan(amount(aks.getResources().getLimits().get(resource))));
            assertThat(resource + " request", amount(dev.getResources().getRequests().get(resource)),
                       lessThan(amount(aks.getResources().getRequests().get(resource))));
            assertThat(resource + " request within the limit", amount(dev.getResources().getRequests().get(resource)),
                       lessThan(amount(dev.getResources().getLimits().get(resource))));
        }
    }

    @Test
    void theClaimIsReadWriteOnceOnAnAksStorageClassInAksAndOnTheClusterDefaultInTheBase() {
        PersistentVolumeClaim aks = one(built(AKS), PersistentVolumeClaim.class, KubeNames.DATA_CLAIM);
        PersistentVolumeClaim base = one(built(BASE), PersistentVolumeClaim.class, KubeNames.DATA_CLAIM);

        assertThat(aks.getSpec().getAccessModes(), is(List.of("ReadWriteOnce")));
        assertThat(aks.getSpec().getStorageClassName(), is("managed-csi"));
        assertThat(aks.getSpec().getResources().getRequests().get("storage"), notNullValue());
        assertThat(base.getSpec().getAccessModes(), is(List.of("ReadWriteOnce")));
        assertThat(base.getSpec().getStorageClassName(), nullValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void theServiceSendsPort80ToTheApiAndNeverToADebugPod(String directory) {
        KustomizeBuild build = built(directory);
        Service service = one(build, Service.class, KubeNames.DEPLOYMENT);
        Deployment repricer = deployment(build, KubeNames.DEPLOYMENT);

        assertThat("only the API: not the admin port, not the export", service.getSpec().getPorts(), hasSize(1));
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

    // --- NetworkPolicy ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void everyPolicySelectsTheServerAndItsDebugPodsAndNotTheOperator(String directory) {
        KustomizeBuild build = built(directory);
        Map<String, String> server = deployment(build, KubeNames.DEPLOYMENT).getSpec().getTemplate().getMetadata()
                                                                              .getLabels();
        Map<String, String> operator = deployment(build, OPERATOR).getSpec().getTemplate().getMetadata().getLabels();

        for (NetworkPolicy policy : build.all(NetworkPolicy.class)) {
            String name = policy.getMetadata().getName();
            assertThat(name, IngressRules.matches(policy.getSpec().getPodSelector(), server), is(true));
            assertThat(name, IngressRules.matches(policy.getSpec().getPodSelector(), debugPodLabels()), is(true));
            assertThat(name, IngressRules.matches(policy.getSpec().getPodSelector(), operator), is(false));
            assertThat(name + " restricts ingress only", policy.getSpec().getPolicyTypes(), is(List.of("Ingress")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void theApiIsOpenToItsOwnNamespaceAndToCrawlerNamespacesOnly(String directory) {
        for (IngressRules rules : ingressToRepricerPods(directory)) {
            assertThat(rules + ": same namespace", rules.admits(Source.inNamespace(NAMESPACE, Map.of()),
                                                                KubeNames.API_PORT), is(true));
            assertThat(rules + ": crawler namespace", rules.admits(crawlers(), KubeNames.API_PORT), is(true));
            assertThat(rules + ": crawler label not true", rules.admits(
                    Source.inNamespace("crawlers", Map.of(CRAWLER_LABEL, "false")), KubeNames.API_PORT), is(false));
            assertThat(rules + ": another namespace", rules.admits(Source.inNamespace("elsewhere", Map.of()),
                                                                   KubeNames.API_PORT), is(false));
            assertThat(rules + ": monitoring", rules.admits(monitoring(directory), KubeNames.API_PORT), is(false));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void theAdminPortIsOpenToTheMonitoringNamespaceOnly(String directory) {
        String other = MONITORING_NAMESPACE.get(directory).equals("kube-system") ? "monitoring" : "kube-system";
        for (IngressRules rules : ingressToRepricerPods(directory)) {
            assertThat(rules + ": monitoring", rules.admits(monitoring(directory), KubeNames.ADMIN_PORT), is(true));
            assertThat(rules + ": " + other, rules.admits(Source.inNamespace(other, Map.of()), KubeNames.ADMIN_PORT),
                       is(false));
            assertThat(rules + ": same namespace", rules.admits(Source.inNamespace(NAMESPACE, Map.of()),
                                                                KubeNames.ADMIN_PORT), is(false));
            assertThat(rules + ": crawlers", rules.admits(crawlers(), KubeNames.ADMIN_PORT), is(false));
        }
    }

    @Test
    void onAksTheAdminPortIsOpenToKubeSystemWhereManagedPrometheusRuns() {
        assertThat(MONITORING_NAMESPACE.get(AKS), is("kube-system"));
        for (IngressRules rules : ingressToRepricerPods(AKS)) {
            assertThat(rules.admits(Source.inNamespace("kube-system", Map.of()), KubeNames.ADMIN_PORT), is(true));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void noOtherPortIsOpenToAnyoneNotEvenTheExport(String directory) {
        List<Source> everyone = List.of(Source.inNamespace(NAMESPACE, Map.of()), crawlers(), monitoring(directory),
                                        Source.inNamespace("elsewhere", Map.of()));
        for (IngressRules rules : ingressToRepricerPods(directory)) {
            for (Source source : everyone) {
                for (int port : List.of(KubeNames.EXPORT_PORT, 80, 8081, 8082, 22, 1)) {
                    assertThat(rules + ": " + source.namespace() + " to " + port, rules.admits(source, port),
                               is(false));
                }
            }
        }
    }

    /** The policies as the server pod and a debug pod made from it see them. */
    private static List<IngressRules> ingressToRepricerPods(String directory) {
        KustomizeBuild build = built(directory);
        assertThat(build.all(NetworkPolicy.class), not(empty()));
        var template = deployment(build, KubeNames.DEPLOYMENT).getSpec().getTemplate();
        var ports = template.getSpec().getContainers().getFirst().getPorts();
        return List.of(new IngressRules(build.all(NetworkPolicy.class), template.getMetadata().getLabels(), ports,
                                        NAMESPACE),
                       new IngressRules(build.all(NetworkPolicy.class), debugPodLabels(), ports, NAMESPACE));
    }

    private static Source crawlers() {
        return Source.inNamespace("crawlers", Map.of(CRAWLER_LABEL, "true"));
    }

    private static Source monitoring(String directory) {
        return Source.inNamespace(MONITORING_NAMESPACE.get(directory), Map.of());
    }

    // --- the operator ----------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void theOperatorRoleGrantsExactlyWhatTheToolsCall(String directory) {
        Role role = one(built(directory), Role.class, OPERATOR);
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

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void theRoleBindingBindsTheRoleToTheOperatorsServiceAccount(String directory) {
        RoleBinding binding = one(built(directory), RoleBinding.class, OPERATOR);
        one(built(directory), ServiceAccount.class, OPERATOR);

        assertThat(binding.getRoleRef().getKind(), is("Role"));
        assertThat(binding.getRoleRef().getName(), is(OPERATOR));
        assertThat(binding.getRoleRef().getApiGroup(), is("rbac.authorization.k8s.io"));
        assertThat(binding.getSubjects(), hasSize(1));
        assertThat(binding.getSubjects().getFirst().getKind(), is("ServiceAccount"));
        assertThat(binding.getSubjects().getFirst().getName(), is(OPERATOR));
    }

    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void theOperatorDeploymentRunsRealCommandsAsItsServiceAccountHardened(String directory) {
        Deployment operator = deployment(built(directory), OPERATOR);
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

    private static java.math.BigDecimal amount(Quantity quantity) {
        return Quantity.getAmountInBytes(quantity);
    }

    /** AKS archives into Azure Blob Storage, the connection string from a Secret; base and dev keep the local archive. */
    @ParameterizedTest
    @ValueSource(strings = {BASE, DEV, AKS})
    void onlyTheAksBuildArchivesToAzureWithTheConnectionStringFromASecret(String directory) {
        Container repricer = deployment(built(directory), KubeNames.DEPLOYMENT).getSpec().getTemplate().getSpec()
                                                                              .getContainers().getFirst();
        Map<String, io.fabric8.kubernetes.api.model.EnvVar> env = repricer.getEnv().stream().collect(
                Collectors.toMap(io.fabric8.kubernetes.api.model.EnvVar::getName, e -> e));
        if (!directory.equals(AKS)) {
            assertThat(env.keySet().stream().filter(name -> name.startsWith("REPRICER_ARCHIVE")).toList(), is(empty()));
            return;
        }
        io.fabric8.kubernetes.api.model.EnvVar connection = env.get("REPRICER_ARCHIVE_AZURE_CONNECTION_dash_STRING");
        assertThat("never a literal connection string", connection.getValue(), is(nullValue()));
        assertThat(connection.getValueFrom().getSecretKeyRef().getName(), is("repricer-archive"));
        assertThat(connection.getValueFrom().getSecretKeyRef().getKey(), is("connection-string"));
        assertThat(env.get("REPRICER_ARCHIVE_AZURE_CONTAINER").getValue(), is("repricer-archive"));
        assertThat(env.get("REPRICER_DATA_DIR").getValue(), is("/tmp/repricer"));
    }

    private static Deployment deployment(KustomizeBuild build, String name) {
        return one(build, Deployment.class, name);
    }

    private static <T extends HasMetadata> T one(KustomizeBuild build, Class<T> type, String name) {
        List<T> found = build.all(type).stream().filter(r -> name.equals(r.getMetadata().getName())).toList();
        assertThat(type.getSimpleName() + " " + name + " in " + build, found, hasSize(1));
        return found.getFirst();
    }
}
