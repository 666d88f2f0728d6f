package com.repricer.operator.reaper;

import com.repricer.kube.KubeNames;
import com.repricer.operator.EventRecorder;
import com.repricer.operator.OperatorCli;
import io.fabric8.kubernetes.client.KubernetesClient;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code reaper [--once] [--namespace NS | --all-namespaces]}: deletes debug pods whose
 * {@code repricer.io/expires-at} has passed. {@code --once} runs one pass over a fresh list and exits (for a person,
 * or a CronJob); without it the reaper runs until SIGTERM, on an informer, with a health endpoint.
 */
@Command(name = "reaper", mixinStandardHelpOptions = true,
         description = {"Deletes debug pods (label " + KubeNames.DEBUG_LABEL + "=" + KubeNames.DEBUG_VALUE
                        + ") whose " + KubeNames.EXPIRES_AT_ANNOTATION + " annotation has passed, each with an "
                        + "Event; reports debug pods without a valid expiry and leaves them alone.",
                        "Without --once: runs until SIGTERM, waking at the next expiry, with /healthz and /readyz "
                        + "on --health-port."})
public final class ReaperCommand implements Callable<Integer> {

    /** Where the in-cluster health endpoint listens unless told otherwise. */
    public static final int DEFAULT_HEALTH_PORT = 8081;

    @ParentCommand
    private OperatorCli cli;

    @Option(names = "--once", description = "One pass, then exit (1 if a deletion failed).")
    private boolean once;

    @ArgGroup(exclusive = true)
    private Scope scope = new Scope();

    static final class Scope {
        @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
                description = "The namespace to reap (default: the kubeconfig context's, or the pod's own).")
        String namespace;

        @Option(names = {"-A", "--all-namespaces"}, description = "Every namespace (needs a ClusterRole).")
        boolean allNamespaces;
    }

    @Option(names = "--health-port", defaultValue = "" + DEFAULT_HEALTH_PORT, paramLabel = "PORT",
            description = "Port of /healthz and /readyz when running continuously (default: ${DEFAULT-VALUE}; "
                          + "0: any free port).")
    private int healthPort;

    @Override
    public Integer call() throws Exception {
        KubernetesClient client = cli.client();
        PrintWriter out = cli.out();
        Optional<String> namespace = scope.allNamespaces ? Optional.empty()
                : Optional.of(cli.namespaceOr(scope.namespace));
        String where = namespace.map(ns -> "namespace " + ns).orElse("all namespaces");
        Reaper reaper = new Reaper(client, cli.clock(),
                                   new EventRecorder(client, cli.clock(), Reaper.COMPONENT, cli.instance()), out);
        if (once) {
            Reaper.Pass pass = reaper.reconcile(Reaper.debugPods(client, namespace).list().getItems());
            out.println("reaper (" + where + "): " + pass.summary());
            out.flush();
            return pass.failed().isEmpty() ? OperatorCli.OK : OperatorCli.DRIFT;
        }
        cli.serve(ReaperLoop.start(client, namespace, reaper, cli.clock(), out), healthPort,
                  port -> "reaper: watching debug pods in " + where + "; health on port " + port);
        out.println(cli.clock().instant() + " reaper: stopped");
        out.flush();
        return OperatorCli.OK;
    }
}
