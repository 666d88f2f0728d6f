package com.repricer.delivery;

import com.repricer.fixtures.RepositoryFiles;

import com.repricer.fixtures.ExternalCommand;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/** azure-pipelines.yml: the stage graph, the README's test command, what is published, built and deployed (the aks overlay). */
class PipelineTest {

    /** A service connection or secret input must name a pipeline variable, never hold a value. */
    private static final Pattern VARIABLE_REFERENCE =
            Pattern.compile("\\$\\{\\{\\s*variables\\.(\\w+)\\s*}}|\\$\\((\\w+)\\)");

    /** The overlay the Deploy stage applies. */
    static final String AKS_OVERLAY = "manifests/overlays/aks";

    private final Map<String, Object> pipeline = load(RepositoryFiles.read("azure-pipelines.yml"));
    private final Map<String, Object> variables = map(pipeline.get("variables"));

    @Test
    void triggersOnMainAndValidatesPullRequests() {
        assertThat(strings(map(map(pipeline.get("trigger")).get("branches")).get("include")), contains("main"));
        assertThat(strings(map(map(pipeline.get("pr")).get("branches")).get("include")), contains("main"));
    }

    @Test
    void stagesTestThenBuildThenDeployOnMainOnly() {
        assertThat(stages().stream().map(s -> s.get("stage")).toList(), contains("Test", "Build", "Deploy"));
        assertThat(stage("Test").get("dependsOn"), nullValue());
        assertThat(stage("Build").get("dependsOn"), is("Test"));
        assertThat(stage("Deploy").get("dependsOn"), is("Build"));
        String deployCondition = (String) stage("Deploy").get("condition");
        assertThat(deployCondition, containsString("succeeded()"));
        assertThat(deployCondition, containsString("eq(variables['Build.SourceBranch'], 'refs/heads/main')"));
        assertThat(deployCondition, containsString("ne(variables['Build.Reason'], 'PullRequest')"));
    }

    @Test
    void theTestStageRunsTheReadmeTestCommandOnJdk25WithAMavenCache() {
        String readmeCommand = RepoFiles.readmeTestCommand();
        assertThat(readmeCommand, matchesPattern("mvn .*verify.*"));
        assertThat(".ci/run runs the same command", RepositoryFiles.read(".ci/run").lines().map(String::strip).toList(),
                   hasItem(readmeCommand));

        List<Map<String, Object>> steps = steps(stage("Test"));
        int test = indexOfScript(steps, readmeCommand);
        assertThat("a step runs exactly the README's test command", test, not(-1));

        assertThat("the kustomize and kubectl plugin tests cannot skip in the pipeline",
                   map(steps.get(test).get("env")).get(Kubectl.REQUIRE), is("true"));

        Map<String, Object> jdk = task(steps, "JavaToolInstaller@0");
        assertThat(inputs(jdk).get("versionSpec"), is("25"));
        assertThat(steps.indexOf(jdk), lessThan(test));

        Map<String, Object> cache = task(steps, "Cache@2");
        assertThat(inputs(cache).get("path"), is("$(MAVEN_CACHE_FOLDER)"));
        assertThat((String) inputs(cache).get("key"), containsString("pom.xml"));
        assertThat(steps.indexOf(cache), lessThan(test));
        assertThat("Maven uses the cached repository", (String) variables.get("MAVEN_OPTS"),
                   containsString("-Dmaven.repo.local=$(MAVEN_CACHE_FOLDER)"));

        // The delivery smoke tests run on what the test command packaged.
        assertThat(test, lessThan(indexOfScriptContaining(steps, "scripts/jlink-smoke")));
        assertThat(test, lessThan(indexOfScriptContaining(steps, "scripts/container-smoke")));
    }

    @Test
    void theTestStagePublishesJUnitResultsAndJacocoCoverageEvenWhenTestsFail() {
        List<Map<String, Object>> steps = steps(stage("Test"));
        Map<String, Object> junit = task(steps, "PublishTestResults@2");
        assertThat(junit.get("condition"), is("succeededOrFailed()"));
        assertThat(inputs(junit).get("testResultsFormat"), is("JUnit"));
        assertThat((String) inputs(junit).get("testResultsFiles"), containsString("target/surefire-reports/TEST-*.xml"));

        Map<String, Object> coverage = task(steps, "PublishCodeCoverageResults@2");
        assertThat(coverage.get("condition"), is("succeededOrFailed()"));
        assertThat((String) inputs(coverage).get("summaryFileLocation"),
                   containsString("target/site/jacoco/jacoco.xml"));
        // ... which the parent pom's JaCoCo plugin writes at verify.
        String pom = RepositoryFiles.read("pom.xml");
        assertThat(pom, containsString("<artifactId>jacoco-maven-plugin</artifactId>"));
        assertThat(pom, containsString("<goal>report</goal>"));
    }

    @Test
    void theBuildStagePushesTheImageToAcrTaggedWithBuildIdAndCommit() {
        List<Map<String, Object>> steps = steps(stage("Build"));
        Map<String, Object> push = steps.stream()
                                        .filter(s -> "Docker@2".equals(s.get("task"))
                                                     && "buildAndPush".equals(inputs(s).get("command"))
                                                     && "Dockerfile".equals(inputs(s).get("Dockerfile")))
                                        .findFirst().orElseThrow(() -> new AssertionError("no Docker@2 buildAndPush"));
        Map<String, Object> inputs = inputs(push);
        assertThat(((String) inputs.get("tags")).lines().map(String::strip).toList(),
                   hasItems("$(Build.BuildId)", "$(Build.SourceVersion)"));
        assertThat(inputs.get("repository"), is("$(imageRepository)"));
        assertThat(definedVariable((String) inputs.get("containerRegistry")), notNullValue());
        assertThat((String) push.get("condition"), containsString("eq(variables.pushImages, 'true')"));
        Map<String, Object> jobVariables = map(jobs(stage("Build")).getFirst().get("variables"));
        assertThat((String) jobVariables.get("pushImages"), containsString("'refs/heads/main'"));
    }

    @Test
    void theDeployStageBakesTheAksOverlayAppliesItWithTheBuiltImageThenWaitsAndGuards() {
        Map<String, Object> job = jobs(stage("Deploy")).getFirst();
        assertThat("a deployment job (environment history, approvals)", job.get("deployment"), notNullValue());
        List<Map<String, Object>> steps = steps(stage("Deploy"));

        Map<String, Object> bake = manifestTask(steps, "bake");
        assertThat(inputs(bake).get("renderType"), is("kustomize"));
        String kustomization = expand((String) inputs(bake).get("kustomizationPath"));
        assertThat(kustomization, is(AKS_OVERLAY));
        assertThat(Files.isRegularFile(RepositoryFiles.root().resolve(kustomization).resolve("kustomization.yaml")),
                   is(true));
        assertThat("the bake step is named, so that its output can be deployed", bake.get("name"), notNullValue());

        Map<String, Object> deploy = manifestTask(steps, "deploy");
        Map<String, Object> inputs = inputs(deploy);
        assertThat(definedVariable((String) inputs.get("kubernetesServiceConnection")), notNullValue());
        assertThat("what the bake step built", inputs.get("manifests"), is("$(" + bake.get("name") + ".manifestsBundle)"));
        assertThat(containers(), hasItem("$(acrLoginServer)/$(imageRepository):$(Build.BuildId)"));

        int baked = steps.indexOf(bake);
        int applied = steps.indexOf(deploy);
        int rollout = indexOfScriptContaining(steps, "kubectl rollout status deployment/$(deploymentName)");
        int guard = indexOfScriptContaining(steps, "repricer-operator.jar");
        assertThat(baked, lessThan(applied));
        assertThat(applied, lessThan(rollout));
        assertThat(rollout, lessThan(guard));
        String guardCommand = script(steps.get(guard));
        assertThat(guardCommand, matchesPattern("(?s)java -jar \\S+/repricer-operator\\.jar\\s+guard .*"));
        assertThat(guardCommand, containsString("--namespace $(k8sNamespace)"));
        assertThat(guardCommand, containsString("--deployment $(deploymentName)"));
        assertThat(expand("$(deploymentName)"), is("repricer"));
    }

    /** The deploy task substitutes an image only where the built overlay names it exactly registry/repository. */
    @Test
    void theDeployedOverlayNamesEveryImageThePipelineTags() {
        ExternalCommand.Outcome build = Kubectl.run(Map.of(), "kustomize", AKS_OVERLAY);
        assertThat(build.toString(), build.exitCode(), is(0));
        Set<String> overlayImages = new LinkedHashSet<>();
        for (Object document : yaml().loadAll(build.out())) {
            collectImages(document, overlayImages);
        }

        for (String container : containers()) {
            String name = expand(container.substring(0, container.lastIndexOf(':')));
            assertThat(AKS_OVERLAY + " names " + name, overlayImages.stream().map(i -> i.replaceFirst(":[^:/]*$", ""))
                                                                  .toList(), hasItem(name));
        }
        String service = expand("$(acrLoginServer)/$(imageRepository)");
        assertThat(overlayImages.stream().filter(i -> i.startsWith(service + ":") || i.equals(service)).toList(),
                   not(empty()));
    }

    @Test
    void noSecretsOnlyServiceConnectionNames() {
        String text = RepositoryFiles.read("azure-pipelines.yml");
        for (Map.Entry<String, Object> entry : flatten(pipeline, "").entrySet()) {
            String key = entry.getKey().toLowerCase();
            assertThat(entry.getKey(), key, not(matchesPattern(".*(password|secret|token|apikey|accesskey|credential).*")));
        }
        assertThat(text, not(containsString("-----BEGIN")));
        assertThat(text.toLowerCase(), not(containsString("accountkey=")));
        // Nothing that looks like a key: a long run of base64 alone (paths and URLs have '.', ':' or '$').
        List<String> keyLike = Stream.of(text.split("[\\s'\"]+"))
                                     .filter(t -> t.matches("[A-Za-z0-9+/]{32,}={0,2}") && t.matches(".*\\d.*"))
                                     .toList();
        assertThat(keyLike, empty());
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private List<Map<String, Object>> stages() {
        return maps(pipeline.get("stages"));
    }

    private Map<String, Object> stage(String name) {
        return stages().stream().filter(s -> name.equals(s.get("stage"))).findFirst()
                       .orElseThrow(() -> new AssertionError("no stage " + name));
    }

    private static List<Map<String, Object>> jobs(Map<String, Object> stage) {
        return maps(stage.get("jobs"));
    }

    /** The steps of a stage's (single) job, also inside a deployment job's runOnce strategy. */
    private static List<Map<String, Object>> steps(Map<String, Object> stage) {
        List<Map<String, Object>> jobs = jobs(stage);
        assertThat(jobs.size(), is(1));
        Map<String, Object> job = jobs.getFirst();
        if (job.containsKey("steps")) {
            return maps(job.get("steps"));
        }
        Map<String, Object> runOnce = map(map(job.get("strategy")).get("runOnce"));
        return maps(map(runOnce.get("deploy")).get("steps"));
    }

    /** The one KubernetesManifest@1 step of the Deploy stage with this action. */
    private static Map<String, Object> manifestTask(List<Map<String, Object>> steps, String action) {
        List<Map<String, Object>> found = steps.stream()
                                               .filter(s -> "KubernetesManifest@1".equals(s.get("task"))
                                                            && action.equals(inputs(s).get("action")))
                                               .toList();
        assertThat("one KubernetesManifest@1 " + action, found.size(), is(1));
        return found.getFirst();
    }

    /** The images the deploy step tags with this build. */
    private List<String> containers() {
        Map<String, Object> deploy = manifestTask(steps(stage("Deploy")), "deploy");
        return ((String) inputs(deploy).get("containers")).lines().map(String::strip).toList();
    }

    private static Map<String, Object> task(List<Map<String, Object>> steps, String task) {
        List<Map<String, Object>> found = steps.stream().filter(s -> task.equals(s.get("task"))).toList();
        assertThat("one " + task, found.size(), is(1));
        return found.getFirst();
    }

    private static Map<String, Object> inputs(Map<String, Object> step) {
        return map(step.get("inputs"));
    }

    private static String script(Map<String, Object> step) {
        Object script = step.get("script");
        return script == null ? "" : script.toString();
    }

    private static int indexOfScript(List<Map<String, Object>> steps, String command) {
        for (int i = 0; i < steps.size(); i++) {
            if (script(steps.get(i)).strip().equals(command)) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOfScriptContaining(List<Map<String, Object>> steps, String text) {
        for (int i = 0; i < steps.size(); i++) {
            if (script(steps.get(i)).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    /** The pipeline variable a service connection input names, or null when it holds a literal. */
    private String definedVariable(String input) {
        Matcher m = VARIABLE_REFERENCE.matcher(input == null ? "" : input.strip());
        if (!m.matches()) {
            return null;
        }
        String name = m.group(1) != null ? m.group(1) : m.group(2);
        assertThat("variable " + name + " is defined", variables.get(name), notNullValue());
        return name;
    }

    /** $(name) replaced by the pipeline's variable values. */
    private String expand(String text) {
        Matcher m = Pattern.compile("\\$\\((\\w+)\\)").matcher(text);
        StringBuilder expanded = new StringBuilder();
        while (m.find()) {
            Object value = variables.get(m.group(1));
            assertThat("variable " + m.group(1), value, notNullValue());
            m.appendReplacement(expanded, Matcher.quoteReplacement(value.toString()));
        }
        return m.appendTail(expanded).toString();
    }

    private static void collectImages(Object node, Set<String> images) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                if ("image".equals(k) && v instanceof String image) {
                    images.add(image);
                } else {
                    collectImages(v, images);
                }
            });
        } else if (node instanceof List<?> list) {
            list.forEach(item -> collectImages(item, images));
        }
    }

    private static Map<String, Object> flatten(Object node, String path) {
        Map<String, Object> flat = new java.util.LinkedHashMap<>();
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                flat.put(String.valueOf(k), v);
                flat.putAll(flatten(v, path + "/" + k));
            });
        } else if (node instanceof List<?> list) {
            list.forEach(item -> flat.putAll(flatten(item, path)));
        }
        return flat;
    }

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }

    private static Map<String, Object> load(String text) {
        return map(yaml().load(text));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        assertThat("a mapping", node instanceof Map, is(true));
        return (Map<String, Object>) node;
    }

    private static List<Map<String, Object>> maps(Object node) {
        assertThat("a list", node instanceof List, is(true));
        List<Map<String, Object>> maps = new ArrayList<>();
        for (Object item : (List<?>) node) {
            maps.add(map(item));
        }
        return maps;
    }

    private static List<String> strings(Object node) {
        assertThat("a list", node instanceof List, is(true));
        return ((List<?>) node).stream().map(String::valueOf).toList();
    }
}
