package com.repricer.delivery;

import com.repricer.fixtures.RepositoryFiles;

import com.repricer.delivery.RepoFiles.Dockerfile;
import com.repricer.delivery.RepoFiles.Instruction;
import com.repricer.delivery.RepoFiles.Stage;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolvedModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/**
 * The Dockerfile against the module list and the smoke tests that run in CI: the image must carry exactly the runtime
 * scripts/jlink-smoke tested (same module list, same jlink options, same ENTRYPOINT), and be distroless and non-root.
 */
class DockerfileTest {

    private static final Pattern ADD_MODULES = Pattern.compile("--add-modules\\s+\"(\\$\\(.*?\\))\"");

    private final Dockerfile dockerfile = Dockerfile.parse(RepositoryFiles.read("Dockerfile"));
    private final String jlinkSmoke = RepositoryFiles.read("scripts/jlink-smoke");

    @Test
    void theModuleListNamesJdkModulesTheServiceNeeds() {
        List<String> modules = RepoFiles.jlinkModules();
        assertThat("no module twice", new HashSet<>(modules).size(), is(modules.size()));
        assertThat(modules, hasItems("java.base",
                                     "java.logging",       // java.util.logging
                                     "java.management",    // Helidon's resumable support, JVM metrics
                                     "jdk.unsupported"));  // sun.misc.Signal, the SIGTERM handler
        for (String module : modules) {
            assertThat(module + " is a module of this JDK", ModuleFinder.ofSystem().find(module).isPresent(),
                       is(true));
        }
        // The service's own classes must not reach beyond the list (the full check, over the libraries, is jdeps in
        // scripts/jlink-smoke).
        for (String used : List.of("sun.misc.Signal", "java.lang.management.ManagementFactory",
                                   "java.util.logging.Logger", "java.lang.foreign.Linker")) {
            String module = moduleOf(used);
            assertThat(used + " is in " + module, modules, hasItem(module));
        }
    }

    @Test
    void theDockerfileLinksTheRuntimeFromTheModuleListLikeTheSmokeTest() throws Exception {
        Stage jre = stageRunning("jlink");
        Instruction jlink = jre.all("RUN").stream().filter(i -> i.arguments().startsWith("jlink ")).findFirst()
                               .orElseThrow();
        assertThat("the jre stage has the module list", jre.all("COPY"),
                   hasItem(new Instruction("COPY", "service/jlink-modules.txt service/")));

        // The same expression over the same file, in the Dockerfile and in scripts/jlink-smoke.
        assertThat(addModules(jlink.arguments()), is(RepoFiles.MODULE_LIST_EXPRESSION));
        Matcher smokeJlink = Pattern.compile("jlink\" --add-modules \"(\\$\\(.*?\\))\"").matcher(jlinkSmoke);
        assertThat("scripts/jlink-smoke runs jlink --add-modules", smokeJlink.find(), is(true));
        assertThat(smokeJlink.group(1), is(RepoFiles.MODULE_LIST_EXPRESSION));
        assertThat(jlinkSmoke, containsString("MODULES=" + RepoFiles.MODULE_LIST_EXPRESSION));
        assertThat("container-smoke takes its runtime from jlink-smoke", RepositoryFiles.read("scripts/container-smoke"),
                   containsString("runtime=$(scripts/jlink-smoke --runtime-only)"));

        // ... and that expression yields the list this test reads (a shell in the repository root, like both).
        assertThat(shell(RepoFiles.MODULE_LIST_EXPRESSION), is(String.join(",", RepoFiles.jlinkModules())));

        // The same jlink options.
        Matcher options = Pattern.compile("(?m)^JLINK_OPTIONS=\\((.*)\\)$").matcher(jlinkSmoke);
        assertThat("scripts/jlink-smoke sets JLINK_OPTIONS", options.find(), is(true));
        assertThat(jlinkOptions(jlink.arguments()), is(new TreeSet<>(Arrays.asList(options.group(1).split("\\s+")))));
        assertThat(jlink.arguments(), containsString("--output /jre"));
    }

    /** When scripts/jlink-smoke has run in this checkout, the runtime it tested is what the module list resolves to. */
    @Test
    void theRuntimeTheSmokeTestUsedHoldsTheListedModules() throws IOException {
        Path release = RepositoryFiles.root().resolve("service/target/jlink-smoke/runtime/release");
        Assumptions.assumeTrue(Files.isRegularFile(release), "scripts/jlink-smoke has not run in this checkout");
        Matcher m = Pattern.compile("(?m)^MODULES=\"(.*)\"$").matcher(Files.readString(release));
        assertThat("the runtime's release file lists its modules", m.find(), is(true));
        Set<String> linked = new TreeSet<>(Arrays.asList(m.group(1).split(" ")));
        Set<String> resolved = Configuration.empty()
                                            .resolve(ModuleFinder.ofSystem(), ModuleFinder.of(),
                                                     RepoFiles.jlinkModules())
                                            .modules().stream().map(ResolvedModule::name)
                                            .collect(Collectors.toCollection(TreeSet::new));
        assertThat(linked, is(resolved));
    }

    @Test
    void theFinalStageIsDistrolessNonRootWithoutAShell() {
        Stage runtime = dockerfile.last();
        assertThat(dockerfile.image(runtime), matchesPattern("gcr\\.io/distroless/base-debian\\d+:nonroot"));
        assertThat("nothing runs in the final stage: there is no shell", runtime.all("RUN"), empty());
        assertThat(runtime.all("SHELL"), empty());
        assertThat(runtime.all("ADD"), empty());

        List<Instruction> users = runtime.all("USER");
        assertThat(users.size(), is(1));
        assertThat("numeric, so that runAsNonRoot can verify it", users.getFirst().arguments(),
                   matchesPattern("[1-9][0-9]*(:[0-9]+)?"));
        assertThat(runtime.all("WORKDIR"), contains(new Instruction("WORKDIR", "/tmp/repricer")));
        assertThat(Arrays.asList(single(runtime, "EXPOSE").split("\\s+")), hasItems("8080", "9102"));
        assertThat("the results export (9103) listens on loopback only: never exposed",
                   Arrays.asList(single(runtime, "EXPOSE").split("\\s+")), not(hasItem(startsWith("9103"))));
        assertThat(runtime.all("COPY"), hasItems(
                new Instruction("COPY", "--from=jre /jre /opt/java"),
                new Instruction("COPY", "--from=build /src/service/target/libs /app/libs"),
                new Instruction("COPY", "--from=build /src/service/target/repricer.jar /app/repricer.jar"),
                new Instruction("COPY", "--from=jre --chown=65532:65532 /data-dir /tmp/repricer")));
        assertThat(single(runtime, "ENV"), containsString("REPRICER_DATA_DIR=/tmp/repricer"));
    }

    @Test
    void theEntrypointIsExecFormWithContainerFlags() {
        List<String> entrypoint = entrypoint();
        assertThat(entrypoint.getFirst(), is("/opt/java/bin/java"));
        assertThat(entrypoint, hasItem(matchesPattern("-XX:MaxRAMPercentage=\\d+(\\.\\d+)?")));
        assertThat(entrypoint, hasItem("-XX:+ExitOnOutOfMemoryError"));
        assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size()),
                   contains("-jar", "/app/repricer.jar"));
        assertThat("scripts/jlink-smoke runs this ENTRYPOINT", jlinkSmoke, containsString("dockerfile_entrypoint"));
    }

    @Test
    void theBuildStageResolvesDependenciesInTheirOwnLayer() {
        Stage build = dockerfile.stage("build");
        assertThat(dockerfile.image(build), containsString("temurin-25"));
        assertThat(dockerfile.image(dockerfile.stage("jre")), is(dockerfile.image(build)));
        List<Instruction> instructions = build.instructions();
        int goOffline = indexOf(instructions, i -> i.keyword().equals("RUN")
                                                   && i.arguments().contains("dependency:go-offline"));
        int sources = indexOf(instructions, i -> i.keyword().equals("COPY")
                                                 && i.arguments().startsWith("service/src"));
        int packaging = indexOf(instructions, i -> i.keyword().equals("RUN")
                                                   && i.arguments().matches("mvn .* package"));
        assertThat("go-offline before the sources are copied", goOffline, lessThan(sources));
        assertThat(sources, lessThan(packaging));
        for (Instruction copy : instructions.subList(0, goOffline)) {
            if (copy.keyword().equals("COPY")) {
                assertThat("only poms before go-offline", copy.arguments().split("\\s+")[0],
                           matchesPattern("([a-z-]+/)?pom\\.xml"));
            }
        }
        // Maven reads every module the parent lists, also the ones it does not build.
        for (String module : parentModules()) {
            assertThat(build.all("COPY"), hasItem(new Instruction("COPY", module + "/pom.xml " + module + "/")));
        }
    }

    @Test
    void theDockerIgnoreLetsInExactlyWhatTheDockerfileCopies() {
        List<String> patterns = RepositoryFiles.read(".dockerignore").lines().map(String::strip)
                                         .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        List<String> sources = new ArrayList<>();
        for (Stage stage : dockerfile.stages()) {
            for (Instruction copy : stage.all("COPY")) {
                List<String> words = Arrays.stream(copy.arguments().split("\\s+"))
                                           .filter(w -> !w.startsWith("--")).toList();
                if (!copy.arguments().contains("--from=")) {
                    sources.addAll(words.subList(0, words.size() - 1));
                }
            }
        }
        assertThat(sources, everyItem(not(startsWith("/"))));
        for (String source : sources) {
            assertThat(source + " is in the build context", ignored(patterns, source), is(false));
        }
        for (String excluded : List.of("service/target/repricer.jar", ".git/HEAD", "service/src/test/X.java",
                                       "debug-pod/src/main/X.java", "scripts/jlink-smoke", "README.md")) {
            assertThat(excluded + " stays out of the build context", ignored(patterns, excluded), is(true));
        }
    }

    private Stage stageRunning(String tool) {
        return dockerfile.stages().stream()
                         .filter(s -> s.all("RUN").stream().anyMatch(i -> i.arguments().startsWith(tool + " ")))
                         .findFirst().orElseThrow(() -> new AssertionError("no stage runs " + tool));
    }

    private static String addModules(String arguments) {
        Matcher m = ADD_MODULES.matcher(arguments);
        assertThat("jlink --add-modules \"$(...)\" in: " + arguments, m.find(), is(true));
        return m.group(1);
    }

    /** The jlink options other than --add-modules and --output. */
    private static Set<String> jlinkOptions(String arguments) {
        String command = arguments.split("&&")[0];
        return Arrays.stream(command.split("\\s+"))
                     .filter(w -> w.startsWith("--") && !w.equals("--add-modules") && !w.equals("--output"))
                     .collect(Collectors.toCollection(TreeSet::new));
    }

    private List<String> entrypoint() {
        String json = single(dockerfile.last(), "ENTRYPOINT");
        assertThat("exec form: " + json, json, startsWith("["));
        try (JsonReader reader = Json.createReader(new StringReader(json))) {
            JsonArray array = reader.readArray();
            return array.getValuesAs(JsonString.class).stream().map(JsonString::getString).toList();
        }
    }

    private static String single(Stage stage, String keyword) {
        List<Instruction> found = stage.all(keyword);
        assertThat("one " + keyword + " in the final stage", found.size(), is(1));
        return found.getFirst().arguments();
    }

    private static int indexOf(List<Instruction> instructions, java.util.function.Predicate<Instruction> test) {
        for (int i = 0; i < instructions.size(); i++) {
            if (test.test(instructions.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such instruction in " + instructions);
    }

    private static List<String> parentModules() {
        String pom = RepositoryFiles.read("pom.xml").replaceAll("(?s)<profiles>.*</profiles>", "");
        Matcher modules = Pattern.compile("(?s)<modules>(.*?)</modules>").matcher(pom);
        assertThat(modules.find(), is(true));
        List<String> names = new ArrayList<>();
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(modules.group(1));
        while (module.find()) {
            names.add(module.group(1).strip());
        }
        assertThat(names, hasItem("service"));
        return names;
    }

    /** Docker's rule, for the patterns this repository uses: the last matching pattern wins; '!' lets a path in. */
    private static boolean ignored(List<String> patterns, String path) {
        boolean ignored = false;
        for (String pattern : patterns) {
            boolean exception = pattern.startsWith("!");
            String p = exception ? pattern.substring(1) : pattern;
            boolean matches = p.equals("**") || path.equals(p) || path.startsWith(p + "/")
                              || (p.startsWith("**/") && (path.contains("/" + p.substring(3) + "/")
                                                         || path.startsWith(p.substring(3) + "/")));
            if (matches) {
                ignored = !exception;
            }
        }
        return ignored;
    }

    private static String moduleOf(String className) {
        try {
            return Class.forName(className, false, DockerfileTest.class.getClassLoader()).getModule().getName();
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    private static String shell(String expression) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("sh", "-c", "printf '%s' \"" + expression + "\"")
                .directory(RepositoryFiles.root().toFile()).redirectErrorStream(true).start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS), is(true));
        assertThat(process.exitValue(), equalTo(0));
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
