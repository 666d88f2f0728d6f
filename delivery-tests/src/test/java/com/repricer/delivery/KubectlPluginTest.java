package com.repricer.delivery;

import com.repricer.fixtures.RepositoryFiles;

import com.repricer.fixtures.ExternalCommand;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

/**
 * debug-pod/kubectl-repricer_debug, installed as docs/deployment.md says, is a kubectl plugin: {@code kubectl plugin
 * list} finds it, and {@code kubectl repricer-debug …} runs debug-pod's shaded jar (built at {@code package}, so those
 * checks run in {@code mvn verify}, where debug-pod is packaged before this module).
 */
class KubectlPluginTest {

    static final String LAUNCHER = "kubectl-repricer_debug";
    static final String PLUGIN = "repricer-debug";

    private final Path launcher = RepositoryFiles.root().resolve("debug-pod").resolve(LAUNCHER);
    private final Path jar = RepositoryFiles.root().resolve("debug-pod/target/repricer-debug.jar");

    @Test
    void kubectlPluginListFindsTheLauncherOnThePath(@TempDir Path bin) throws IOException {
        assertThat(LAUNCHER + " is executable (git keeps the mode)", Files.isExecutable(launcher), is(true));
        Path installed = Files.createSymbolicLink(bin.resolve(LAUNCHER), launcher);

        ExternalCommand.Outcome list = Kubectl.run(Map.of("PATH", bin.toString()), "plugin", "list");

        assertThat(list.toString(), list.exitCode(), is(0));
        assertThat(list.out(), containsString(installed.toString()));
        assertThat("no warning (not executable, or shadowing a kubectl command)", list.err(),
                   not(containsString("warning")));
    }

    @Test
    void aLinkedLauncherRunsTheJarBuiltInTheCheckout(@TempDir Path bin) throws IOException {
        assumeJarBuilt();
        Files.createSymbolicLink(bin.resolve(LAUNCHER), launcher);

        ExternalCommand.Outcome help = Kubectl.run(pluginEnvironment(bin), PLUGIN, "--help");

        assertThat(help.toString(), help.exitCode(), is(0));
        assertThat(help.out(), containsString("Usage: repricer-debug"));
        for (String command : new String[] {"start", "collect", "list", "stop"}) {
            assertThat(help.out(), containsString(command));
        }
    }

    @Test
    void aCopiedLauncherRunsTheJarNamedByRepricerDebugJar(@TempDir Path bin) throws IOException {
        assumeJarBuilt();
        Files.copy(launcher, bin.resolve(LAUNCHER));
        Map<String, String> environment = pluginEnvironment(bin);
        environment.put("REPRICER_DEBUG_JAR", jar.toString());

        ExternalCommand.Outcome version = Kubectl.run(environment, PLUGIN, "--version");

        assertThat(version.toString(), version.exitCode(), is(0));
        assertThat(version.out(), containsString("repricer-debug"));
    }

    @Test
    void withoutAJarTheLauncherSaysWhereItLookedAndHowToNameOne(@TempDir Path bin) throws IOException {
        Files.copy(launcher, bin.resolve(LAUNCHER));
        Map<String, String> environment = pluginEnvironment(bin);
        environment.put("REPRICER_DEBUG_JAR", null);

        ExternalCommand.Outcome run = Kubectl.run(environment, PLUGIN, "list");

        assertThat(run.toString(), run.exitCode(), is(1));
        assertThat(run.err(), containsString("no repricer-debug.jar"));
        assertThat(run.err(), containsString(bin.toRealPath().toString()));
        assertThat(run.err(), containsString("REPRICER_DEBUG_JAR"));
    }

    /** The launcher's directory first, then the system's (dirname, readlink); Java 25 by JAVA_HOME. */
    private static Map<String, String> pluginEnvironment(Path bin) {
        Map<String, String> environment = new HashMap<>();
        environment.put("PATH", String.join(File.pathSeparator, bin.toString(), "/usr/bin", "/bin"));
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        return environment;
    }

    private void assumeJarBuilt() {
        Assumptions.assumeTrue(Files.isRegularFile(jar), jar + " is built at package (mvn verify builds it before "
                                                         + "this module's tests; mvn test does not)");
    }
}
