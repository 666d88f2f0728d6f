package com.repricer.storage.archive;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Microsoft's Azure Storage emulator (npm package {@code azurite}), run by the tests themselves:
 * {@code npx --no -- azurite-blob --blobPort <free port> --skipApiVersionCheck --disableTelemetry} (the {@code --}
 * keeps npx from taking Azurite's options for its own), with its blobs in a directory of the
 * test so that they survive a restart (the outage test stops and starts it).
 *
 * <p>Installed once with {@code npm install azurite@3} into {@code $AZURITE_HOME}, else
 * {@code ~/.cache/repricer-azurite}. Without {@code npx} on the PATH the tests are skipped, with a message
 * saying so, unless the environment variable {@code CI} is set: on CI they must run.
 */
public final class Azurite implements AutoCloseable {

    static final String ACCOUNT = "devstoreaccount1";
    /** The emulator's well-known development key (public, in Microsoft's documentation). */
    private static final String KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final String PACKAGE = "azurite@3";
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path installation;
    private final Path blobs;
    private final Path log;
    private final int port;
    private Process process;

    private Azurite(Path installation, Path blobs, Path log, int port) {
        this.installation = installation;
        this.blobs = blobs;
        this.log = log;
        this.port = port;
    }

    /** Installs (once) and starts Azurite with its blobs under {@code workDirectory}; skips the test as above. */
    public static Azurite start(Path workDirectory) throws IOException, InterruptedException {
        boolean ci = System.getenv("CI") != null;
        if (!ci) {
            Assumptions.assumeTrue(onPath("npx"), "npx is not on the PATH and CI is not set: skipping the Azure Blob "
                                                  + "store tests (install Node.js to run them against Azurite)");
        }
        Path installation = installation();
        Azurite azurite = new Azurite(installation, Files.createDirectories(workDirectory.resolve("azurite")),
                                      workDirectory.resolve("azurite.log"), freePort());
        azurite.start();
        return azurite;
    }

    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY
               + ";BlobEndpoint=http://127.0.0.1:" + port + "/" + ACCOUNT + ";";
    }

    /** Starts the emulator (again) on the same port and blobs, and waits until it accepts connections. */
    void start() throws IOException, InterruptedException {
        process = new ProcessBuilder("npx", "--no", "--", "azurite-blob", "--blobHost", "127.0.0.1", "--blobPort",
                                     Integer.toString(port), "--location", blobs.toString(), "--skipApiVersionCheck",
                                     "--loose", "--silent", "--disableTelemetry")
                .directory(installation.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!accepts()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Azurite exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            if (System.nanoTime() - deadline > 0) {
                stop();
                throw new IllegalStateException("Azurite did not listen on port " + port + " within " + START_TIMEOUT
                                                + ": " + Files.readString(log));
            }
            process.waitFor(50, TimeUnit.MILLISECONDS); // returns at once if it exits
        }
    }

    /** Stops the emulator (npx and the node process it started) and waits until the port is closed. */
    void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> children = process.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        process.destroy();
        for (ProcessHandle child : children) {
            child.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> {
                child.destroyForcibly();
                return child;
            }).join();
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        process = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path installation() throws IOException, InterruptedException {
        String home = System.getenv("AZURITE_HOME");
        Path installation = home != null ? Path.of(home) : Path.of(System.getProperty("user.home"), ".cache", "repricer-azurite");
        if (Files.exists(installation.resolve("node_modules/.bin/azurite-blob"))) {
            return installation;
        }
        Files.createDirectories(installation);
        Path installLog = installation.resolve("npm-install.log");
        Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", PACKAGE)
                .directory(installation.toFile())
                .redirectErrorStream(true)
                .redirectOutput(installLog.toFile())
                .start();
        if (!npm.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            npm.destroyForcibly();
            throw new IllegalStateException("npm install " + PACKAGE + " took longer than " + INSTALL_TIMEOUT);
        }
        if (npm.exitValue() != 0) {
            throw new IllegalStateException("npm install " + PACKAGE + " failed: " + Files.readString(installLog));
        }
        return installation;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String directory : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(directory, command))) {
                return true;
            }
        }
        return false;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
