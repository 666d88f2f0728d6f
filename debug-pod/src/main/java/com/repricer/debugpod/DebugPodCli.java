package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;

/**
 * {@code java -jar debug-pod/target/repricer-debug.jar start|collect|list|stop …}: picocli parses, the verb classes
 * ({@link StartDebugPod}, {@link CollectResults}, {@link ListDebugPods}, {@link StopDebugPods}) act. Failures are
 * one line on stderr and an exit code ({@link CliFailure}).
 */
@Command(name = "repricer-debug", mixinStandardHelpOptions = true, version = "repricer-debug 1.0",
         description = "Launches throwaway repricer pods and copies their results out (SPEC §5).",
         subcommands = {DebugPodCli.Start.class, DebugPodCli.Collect.class, DebugPodCli.ListPods.class,
                        DebugPodCli.Stop.class})
public final class DebugPodCli implements AutoCloseable {

    @Option(names = {"-n", "--namespace"}, description = "Namespace (default: the context's, else 'default').")
    Optional<String> namespace;

    @Option(names = "--context", description = "kubeconfig context (default: the current one).")
    Optional<String> context;

    @Option(names = "--owner", description = "Owner of debug pods (default: $USER).")
    Optional<String> owner;

    private final BiFunction<Optional<String>, Map<String, String>, KubernetesClient> connector;
    private final Clock clock;
    private final Map<String, String> environment;
    private final boolean terminal;
    private KubernetesClient client;
    private String resolvedNamespace;

    /**
     * @param connector   builds the client from {@code --context} (tests hand in the mock server's client)
     * @param terminal    whether stdout is a terminal (progress redrawn in place) or not (plain lines)
     */
    public DebugPodCli(BiFunction<Optional<String>, Map<String, String>, KubernetesClient> connector, Clock clock,
                       Map<String, String> environment, boolean terminal) {
        this.connector = connector;
        this.clock = clock;
        this.environment = environment;
        this.terminal = terminal;
    }

    public static void main(String[] args) {
        boolean terminal = System.console() != null && System.console().isTerminal();
        int exitCode;
        try (DebugPodCli cli = new DebugPodCli(KubeConnection::connect, Clock.systemUTC(), System.getenv(), terminal)) {
            exitCode = cli.run(args);
        }
        System.exit(exitCode);
    }

    /** Parses and runs; returns the exit code. */
    public int run(String... args) {
        return commandLine().execute(args);
    }

    /** Closes the client, if one was built. */
    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }

    CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(this);
        commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> {
            if (e instanceof CommandLine.ParameterException usage) {
                return cl.getParameterExceptionHandler().handleParseException(usage, parseResult.originalArgs()
                                                                                               .toArray(String[]::new));
            }
            CliFailure failure = switch (e) {
                case CliFailure f -> f;
                case KubernetesClientException k -> KubernetesFailures.translate(
                        k, "?", "?", Optional.ofNullable(resolvedNamespace).or(() -> namespace).orElse("?"));
                case IOException io -> new CliFailure(CliFailure.FAILED, io.toString(), io);
                default -> throw e;
            };
            cl.getErr().println("error: " + failure.getMessage());
            cl.getErr().flush();
            return failure.exitCode();
        });
        return commandLine;
    }

    KubernetesClient client() {
        if (client == null) {
            client = connector.apply(context, environment);
        }
        return client;
    }

    String namespace() {
        if (resolvedNamespace == null) {
            resolvedNamespace = KubeConnection.namespace(namespace, client());
        }
        return resolvedNamespace;
    }

    Owner owner() {
        return Owner.resolve(owner, environment);
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
             description = "Start a debug pod (emptyDir storage), wait until ready, port-forward its API.")
    static final class Start implements Callable<Integer> {
        @ParentCommand
        DebugPodCli cli;

        @Option(names = "--image", description = "Image (default: the repricer Deployment's).")
        Optional<String> image;

        @Option(names = "--ttl", defaultValue = "2h", converter = TtlConverter.class,
                description = "Time to live, at most 24h (default: ${DEFAULT-VALUE}).")
        Duration ttl;

        @Option(names = "--seed", defaultValue = "0", description = "Post N sample reprices once ready.")
        int seed;

        @Option(names = "--timeout", defaultValue = "5m", converter = TtlConverter.class,
                description = "How long to wait for the pod to be ready (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = "--port", defaultValue = "0", description = "Local port for the API (default: any free).")
        int port;

        @Option(names = "--detach", description = "Exit once ready (and seeded) instead of forwarding until Ctrl-C.")
        boolean detach;

        @Option(names = "--keep-on-failure", description = "Keep the pod if it does not become ready.")
        boolean keepOnFailure;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException, InterruptedException {
            if (seed < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--seed must be 0 or more: " + seed);
            }
            PrintWriter out = spec.commandLine().getOut();
            String namespace = cli.namespace();
            KubernetesClient client = cli.client();
            new AccessCheck(client, namespace).require(AccessCheck.START);
            StartDebugPod start = new StartDebugPod(client, namespace, cli.clock, new SecureRandom(), out);
            Pod pod = start.create(cli.owner(), image, ttl);
            String name = pod.getMetadata().getName();
            try {
                start.awaitReady(name, timeout);
            } catch (CliFailure e) {
                if (!keepOnFailure) {
                    start.delete(name);
                }
                throw e;
            }
            out.println("Pod " + name + " is ready.");
            try (PortForward forward = PortForward.open(client, namespace, name, KubeNames.API_PORT, port)) {
                URI api = forward.uri();
                out.println("API: " + api + "   e.g. curl -s -d '{\"productId\":\"p1\",\"price\":3.50}' " + api
                            + "api/reprice");
                out.flush();
                if (seed > 0) {
                    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                        new SampleReprices(http).post(api, seed);
                    } catch (IOException e) {
                        throw forward.failure().orElse(new CliFailure(CliFailure.FAILED, "seeding failed: "
                                                                                        + e.getMessage(), e));
                    }
                    out.println("Posted " + seed + " sample reprices.");
                }
                out.println("Collect:  java -jar repricer-debug.jar collect " + name + "\n"
                            + "Stop:     java -jar repricer-debug.jar stop " + name
                            + "   (otherwise it expires " + pod.getMetadata().getAnnotations()
                                                              .get(KubeNames.EXPIRES_AT_ANNOTATION) + ")");
                if (!detach) {
                    out.println("Forwarding until Ctrl-C (the pod stays).");
                    out.flush();
                    new CountDownLatch(1).await();
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "collect", mixinStandardHelpOptions = true,
             description = "Copy a pod's results/ out through the export port (port-forwarded), then verify the copy.")
    static final class Collect implements Callable<Integer> {
        @ParentCommand
        DebugPodCli cli;

        @Parameters(arity = "0..1", paramLabel = "POD",
                    description = "Any repricer pod, production included (default: your newest debug pod).")
        Optional<String> pod;

        @Option(names = "--out", defaultValue = "repricer-results",
                description = "Folder; files land in OUT/<pod>/results/ (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--since", description = "Only the files after this results file name.")
        Optional<String> since;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException, InterruptedException {
            PrintWriter log = spec.commandLine().getOut();
            String namespace = cli.namespace();
            KubernetesClient client = cli.client();
            new AccessCheck(client, namespace).require(AccessCheck.COLLECT);
            CollectResults collect = new CollectResults(client, namespace);
            Pod target = collect.resolve(pod, cli.owner());
            collect.collect(target, out, since, new TransferProgress(log, cli.terminal, System::nanoTime), log);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
             description = "List debug pods with owner, age, expiry and phase.")
    static final class ListPods implements Callable<Integer> {
        @ParentCommand
        DebugPodCli cli;

        @Option(names = "--mine", description = "Only your debug pods.")
        boolean mine;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            String namespace = cli.namespace();
            new AccessCheck(cli.client(), namespace).require(AccessCheck.LIST);
            List<Pod> pods = new ListDebugPods(cli.client(), namespace)
                    .list(mine ? Optional.of(cli.owner()) : Optional.empty());
            PrintWriter out = spec.commandLine().getOut();
            if (pods.isEmpty()) {
                out.println("No debug pods in namespace " + namespace + (mine ? " owned by " + cli.owner() : ""));
            } else {
                out.print(DebugPods.table(pods, cli.clock.instant()));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
             description = "Delete a debug pod, all of yours, or all expired ones. Never deletes other pods.")
    static final class Stop implements Callable<Integer> {
        @ParentCommand
        DebugPodCli cli;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Which which;

        static final class Which {
            @Parameters(paramLabel = "POD", description = "The debug pod to delete.")
            String pod;

            @Option(names = "--mine", required = true, description = "All your debug pods.")
            boolean mine;

            @Option(names = "--all-expired", required = true, description = "All debug pods past their expiry.")
            boolean allExpired;
        }

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            String namespace = cli.namespace();
            new AccessCheck(cli.client(), namespace).require(AccessCheck.STOP);
            StopDebugPods stop = new StopDebugPods(cli.client(), namespace, cli.clock);
            List<String> deleted = which.mine ? stop.mine(cli.owner())
                                              : which.allExpired ? stop.expired() : stop.byName(which.pod);
            PrintWriter out = spec.commandLine().getOut();
            if (deleted.isEmpty()) {
                out.println("No debug pods to delete in namespace " + namespace);
            }
            deleted.forEach(name -> out.println("Deleted pod " + name));
            out.flush();
            return 0;
        }
    }

    /** {@code 2h}, {@code 90m}, {@code 1h30m}, {@code PT2H}. */
    static final class TtlConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Expiry.parseTtl(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
