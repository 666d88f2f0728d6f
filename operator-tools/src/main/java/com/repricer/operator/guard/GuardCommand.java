package com.repricer.operator.guard;

import com.repricer.kube.KubeNames;
import com.repricer.operator.EventRecorder;
import com.repricer.operator.OperatorCli;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code guard [--fix] [--watch] [--namespace NS] [--deployment repricer]}: checks the repricer Deployment's
 * single-instance invariants ({@link DeploymentChecks}) and reports them (exit 1 on violations); {@code --fix}
 * patches what is safe (replicas, strategy) and checks again; {@code --watch} keeps guarding until SIGTERM.
 */
@Command(name = "guard", mixinStandardHelpOptions = true,
         description = {"Checks the repricer Deployment: replicas <= 1, strategy Recreate, the data directory on a "
                        + "ReadWriteOnce claim nothing else mounts, HTTP probes on the admin port "
                        + KubeNames.ADMIN_PORT + ", runAsNonRoot, readOnlyRootFilesystem, no containerPort "
                        + KubeNames.EXPORT_PORT + " (the loopback results export). Exit 1 on violations.",
                        "--fix patches replicas and strategy (never volumes, claims or pods). --watch runs until "
                        + "SIGTERM, with /healthz and /readyz on --health-port."})
public final class GuardCommand implements Callable<Integer> {

    public static final int DEFAULT_HEALTH_PORT = 8082;

    @ParentCommand
    private OperatorCli cli;

    @Option(names = "--fix", description = "Patch the fixable violations (replicas, strategy), then check again.")
    private boolean fix;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "The Deployment's namespace (default: the kubeconfig context's, or the pod's own).")
    private String namespace;

    @Option(names = "--deployment", defaultValue = KubeNames.DEPLOYMENT, paramLabel = "NAME",
            description = "The Deployment to guard (default: ${DEFAULT-VALUE}).")
    private String deployment;

    @Option(names = "--watch", description = "Keep guarding: on every Deployment change and every --interval.")
    private boolean watch;

    @Option(names = "--interval", defaultValue = "PT1M", paramLabel = "DURATION",
            description = "With --watch: the longest time between two checks, ISO 8601 (default: ${DEFAULT-VALUE}).")
    private Duration interval;

    @Option(names = "--health-port", defaultValue = "" + DEFAULT_HEALTH_PORT, paramLabel = "PORT",
            description = "With --watch: port of /healthz and /readyz (default: ${DEFAULT-VALUE}; 0: any free port).")
    private int healthPort;

    @Override
    public Integer call() throws Exception {
        KubernetesClient client = cli.client();
        PrintWriter out = cli.out();
        Guard guard = new Guard(client, cli.namespaceOr(namespace), deployment);
        EventRecorder events = new EventRecorder(client, cli.clock(), GuardLoop.COMPONENT, cli.instance());
        if (watch) {
            cli.serve(GuardLoop.start(client, guard, fix, interval, events, cli.clock(), out), healthPort,
                      port -> "guard: watching deployment " + guard.namespace() + "/" + deployment
                              + (fix ? " (fixing replicas and strategy)" : "") + "; health on port " + port);
            return OperatorCli.OK;
        }
        Optional<Guard.Report> report = guard.inspect();
        if (report.isEmpty()) {
            out.println("deployment " + guard.namespace() + "/" + deployment + " not found");
            out.flush();
            return OperatorCli.KUBERNETES;
        }
        report.get().lines().forEach(out::println);
        if (fix && !report.get().fixable().isEmpty()) {
            List<Violation> fixed = guard.fix(report.get());
            String names = fixed.stream().map(Violation::name).collect(Collectors.joining(", "));
            out.println("patched " + report.get().target() + ": " + names);
            try {
                events.record(report.get().deployment(), EventRecorder.NORMAL, GuardLoop.REPAIRED_REASON,
                              GuardLoop.COMPONENT + " patched " + names + ": "
                              + SafeFix.mergePatch(fixed).orElse(""));
            } catch (KubernetesClientException e) {
                out.println("(could not record an Event: HTTP " + e.getCode() + " " + e.getMessage() + ")");
            }
            report = guard.inspect();
            if (report.isEmpty()) {
                out.println("deployment " + guard.namespace() + "/" + deployment + " vanished after the patch");
                out.flush();
                return OperatorCli.KUBERNETES;
            }
            out.println("after the patch:");
            report.get().lines().forEach(out::println);
        }
        out.flush();
        return report.get().violations().isEmpty() ? OperatorCli.OK : OperatorCli.DRIFT;
    }
}
