package com.repricer.operator;

import com.repricer.operator.guard.GuardCommand;
import com.repricer.operator.reaper.ReaperCommand;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * {@code java -jar repricer-operator.jar reaper|guard …}: the reconcile loops that reap expired debug pods and
 * guard the single-instance repricer Deployment, once from the command line or continuously in-cluster.
 *
 * <p>Exit codes: {@value #OK} done, nothing wrong (or everything repaired); {@value #DRIFT} violations remain, or a
 * debug pod could not be deleted; {@value #USAGE} bad arguments; {@value #KUBERNETES} the Kubernetes API failed or
 * refused (RBAC), or the Deployment does not exist.
 *
 * @param clientSupplier supplies the client (built on first use: {@code --help} needs no kubeconfig)
 * @param instance       who reports Events (the pod's host name in-cluster)
 */
@Command(name = "repricer-operator", mixinStandardHelpOptions = true, version = "repricer-operator 1.0",
         subcommands = {ReaperCommand.class, GuardCommand.class, CommandLine.HelpCommand.class},
         description = "Reaps expired repricer debug pods and guards the single-instance repricer Deployment.")
public record OperatorCli(Supplier<KubernetesClient> clientSupplier, Clock clock, PrintWriter out, Lifetime lifetime,
                          String instance) {

    public static final int OK = 0;
    public static final int DRIFT = 1;
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    public static final int KUBERNETES = 3;
    /** How long a SIGTERM waits for the loops to close. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        UntilShutdown lifetime = new UntilShutdown();
        LazyClient client = new LazyClient();
        int code;
        try {
            code = commandLine(new OperatorCli(client, Clock.systemUTC(), out, lifetime, hostName()), err)
                    .execute(args);
        } finally {
            client.close();
            lifetime.closed();
        }
        System.exit(code);
    }

    /** The command line, with Kubernetes API failures turned into a message and exit code {@value #KUBERNETES}. */
    public static CommandLine commandLine(OperatorCli cli, PrintWriter err) {
        CommandLine commandLine = new CommandLine(cli);
        commandLine.setOut(cli.out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof KubernetesClientException k) {
                err.println(cmd.getCommandName() + ": " + explain(k));
                err.flush();
                return KUBERNETES;
            }
            throw e;
        });
        return commandLine;
    }

    static String explain(KubernetesClientException e) {
        String hint = switch (e.getCode()) {
            case 401 -> " (not authenticated: check the kubeconfig context or the service account token)";
            case 403 -> " (forbidden: the Role in manifests/base/operator-rbac.yaml grants what the tools need)";
            default -> "";
        };
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String cause = root == e || root.getMessage() == null ? "" : " (" + root.getMessage() + ")";
        return "Kubernetes API error" + (e.getCode() > 0 ? " HTTP " + e.getCode() : "") + ": " + e.getMessage()
               + cause + hint;
    }

    public KubernetesClient client() {
        return clientSupplier.get();
    }

    /**
     * Runs a started loop until the {@link Lifetime} ends, with its {@code /healthz} and {@code /readyz} on
     * {@code healthPort} (0: any free port); then closes both.
     *
     * @param started the line to log once the health endpoint listens, given its port
     */
    public void serve(InformerLoop<?> loop, int healthPort, IntFunction<String> started)
            throws IOException, InterruptedException {
        try (loop; HealthServer health = HealthServer.start(healthPort, loop::isLive, loop::isReady)) {
            out.println(clock.instant() + " " + started.apply(health.port()));
            out.flush();
            lifetime.await(health.port());
        }
    }

    /** {@code namespace}, else the client's (kubeconfig context, or the pod's service account), else "default". */
    public String namespaceOr(String namespace) {
        if (namespace != null) {
            return namespace;
        }
        return Optional.ofNullable(client().getNamespace()).orElse("default");
    }

    private static String hostName() {
        return Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank()).orElse("local");
    }

    /** Builds the client from the kubeconfig (or the in-cluster service account) on first use. */
    private static final class LazyClient implements Supplier<KubernetesClient>, AutoCloseable {
        private KubernetesClient client;

        @Override
        public synchronized KubernetesClient get() {
            if (client == null) {
                client = new KubernetesClientBuilder().build();
            }
            return client;
        }

        @Override
        public synchronized void close() {
            if (client != null) {
                client.close();
            }
        }
    }

    /**
     * Production: blocks until the JVM is asked to stop (SIGTERM, SIGINT); the shutdown hook then waits, at most
     * {@link #SHUTDOWN_GRACE}, for the command to close its loops.
     */
    private static final class UntilShutdown implements Lifetime {
        private final CountDownLatch stopRequested = new CountDownLatch(1);
        private final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void await(int healthPort) throws InterruptedException {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stopRequested.countDown();
                try {
                    closed.await(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "shutdown"));
            stopRequested.await();
        }

        @Override
        public void closed() {
            closed.countDown();
        }
    }
}
