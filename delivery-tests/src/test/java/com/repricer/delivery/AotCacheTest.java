package com.repricer.delivery;

import com.repricer.delivery.RepoFiles.Dockerfile;
import com.repricer.delivery.RepoFiles.Instruction;
import com.repricer.delivery.RepoFiles.Stage;
import com.repricer.fixtures.RepositoryFiles;
import jakarta.json.Json;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;

/**
 * The AOT cache (docs/deployment.md "The AOT cache"): the image trains it with the runtime, class path and JVM options
 * it runs with and its ENTRYPOINT uses it; the packaged jar starts with the cache the build wrote beside it, and
 * without one (or with one the JVM rejects) it starts all the same and says so in its log.
 */
class AotCacheTest {

    private static final Path TARGET = RepositoryFiles.root().resolve("service/target");
    private static final Path JAR = TARGET.resolve("repricer.jar");
    private static final Path CACHE = TARGET.resolve("repricer.aot");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Dockerfile dockerfile = Dockerfile.parse(RepositoryFiles.read("Dockerfile"));

    @Test
    void theImageTrainsItsCacheWithTheRuntimeClassPathAndOptionsItRunsWith() {
        Stage train = dockerfile.stage("train");
        Stage runtime = dockerfile.last();
        // The same runtime (the jre stage's link) and the same jar and libraries, at the same /app paths.
        assertThat(train.all("COPY"), hasItem(new Instruction("COPY", "--from=jre /jre /jre")));
        assertThat(runtime.all("COPY"), hasItem(new Instruction("COPY", "--from=jre /jre /opt/java")));
        for (String copy : List.of("--from=build /src/service/target/libs /app/libs",
                                   "--from=build /src/service/target/repricer.jar /app/repricer.jar")) {
            assertThat(train.all("COPY"), hasItem(new Instruction("COPY", copy)));
            assertThat(runtime.all("COPY"), hasItem(new Instruction("COPY", copy)));
        }
        assertThat(runtime.all("COPY"), hasItem(new Instruction("COPY", "--from=train /app/repricer.aot /app/repricer.aot")));

        Instruction run = train.all("RUN").stream().filter(i -> i.arguments().contains("aot-train")).findFirst()
                               .orElseThrow(() -> new AssertionError("the train stage does not run scripts/aot-train"));
        List<String> words = Arrays.asList(run.arguments().split("\\s+"));
        assertThat(run.arguments(), containsString("--java /jre/bin/java"));
        assertThat(run.arguments(), containsString("--jar /app/repricer.jar"));
        assertThat(run.arguments(), containsString("--output /app/repricer.aot"));
        List<String> trainingOptions = words.subList(words.indexOf("--") + 1, words.size());

        List<String> entrypoint = entrypoint();
        int jar = entrypoint.indexOf("-jar");
        assertThat("the ENTRYPOINT uses the cache", entrypoint.subList(0, jar), hasItem("-XX:AOTCache=/app/repricer.aot"));
        List<String> runtimeOptions = new ArrayList<>(entrypoint.subList(1, jar));
        runtimeOptions.remove("-XX:AOTCache=/app/repricer.aot");
        assertThat("the training runs with the ENTRYPOINT's JVM options", trainingOptions, is(runtimeOptions));

        // The build stage does not train with its JDK (a cache for the wrong runtime); the smoke test emulates the
        // train stage with the runtime it links.
        dockerfile.stage("build").all("RUN").stream().filter(i -> i.arguments().contains(" package"))
                  .forEach(p -> assertThat(p.arguments(), containsString("-Daot.skip=true")));
        assertThat(RepositoryFiles.read("scripts/container-smoke"),
                   containsString("train:/app/repricer.aot) local_source=$ROOT/service/target/jlink-smoke/repricer.aot"));
    }

    /** CI runs the training twice (mvn package, jlink-smoke): it must stay a matter of seconds. */
    @Test
    void theTrainingLoadLastsSeconds() {
        Matcher seconds = Pattern.compile("seconds=\\$\\{AOT_TRAINING_SECONDS:-(\\d+)}")
                                 .matcher(RepositoryFiles.read("scripts/aot-train"));
        assertThat("scripts/aot-train has a default length", seconds.find(), is(true));
        assertThat(Integer.parseInt(seconds.group(1)), lessThanOrEqualTo(10));
        String pom = RepositoryFiles.read("service/pom.xml");
        assertThat("the build's training run keeps the default length", pom, not(containsString("<argument>--seconds")));
        assertThat(pom, containsString("scripts/aot-train"));
    }

    @Test
    void theJarStartsWithTheCacheBesideIt(@TempDir Path work) throws Exception {
        assumePackagedWithCache();
        String log = startUntilListening(work, List.of("-XX:AOTCache=" + CACHE));
        assertThat(log, containsString("AOT cache in use: " + CACHE));
    }

    @Test
    void withoutTheOptionTheJarStartsAndNamesTheCommandThatWouldUseTheCache(@TempDir Path work) throws Exception {
        assumePackagedWithCache();
        String log = startUntilListening(work, List.of());
        assertThat(log, containsString("AOT cache not in use: started without -XX:AOTCache; for a warm start run java"
                                       + " -XX:AOTCache=" + CACHE + " -jar " + JAR));
    }

    @Test
    void aCacheTheJvmRejectsIsLoggedAndTheServiceStartsWithoutIt(@TempDir Path work) throws Exception {
        assumePackagedWithCache();
        Path foreign = work.resolve("foreign.aot");
        Files.write(foreign, new byte[64 * 1024]);   // not a cache: what a cache of another runtime looks like to it
        String log = startUntilListening(work, List.of("-XX:AOTCache=" + foreign));
        assertThat(log, containsString("WARNING com.repricer.AotCacheStatus - AOT cache " + foreign + " not in use"));
    }

    private static void assumePackagedWithCache() {
        Assumptions.assumeTrue(Files.isRegularFile(JAR) && Files.isRegularFile(CACHE),
                               JAR + " and " + CACHE + " are made at package (mvn verify makes them before this module's"
                               + " tests; the cache needs JDK 25)");
    }

    /** Runs {@code java OPTIONS -jar repricer.jar} on loopback until it listens; returns its output, then stops it. */
    private static String startUntilListening(Path work, List<String> options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.addAll(List.of("-jar", JAR.toString()));
        Path log = work.resolve("service.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Map.of("REPRICER_DATA_DIR", work.resolve("data").toString(),
                                                      "REPRICER_PORT", "0", "REPRICER_ADMIN_PORT", "0",
                                                      "REPRICER_EXPORT_PORT", "0",
                                                      "SERVER_HOST", "127.0.0.1", "SERVER_SOCKETS_0_HOST", "127.0.0.1"));
        Process process = builder.start();
        try {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!read(log).contains("API listening on port")) {
                assertThat("the service exited during start-up:\n" + read(log), process.isAlive(), is(true));
                assertThat("not listening within " + START_TIMEOUT + ":\n" + read(log),
                           System.nanoTime() < deadline, is(true));
                process.waitFor(50, TimeUnit.MILLISECONDS);   // the log is a file: nothing to wait on but its growth
            }
            return read(log);
        } finally {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private List<String> entrypoint() {
        List<Instruction> found = dockerfile.last().all("ENTRYPOINT");
        assertThat(found.size(), is(1));
        try (JsonReader reader = Json.createReader(new StringReader(found.getFirst().arguments()))) {
            return reader.readArray().getValuesAs(JsonString.class).stream().map(JsonString::getString).toList();
        }
    }
}
