package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Replaces {@code kubectl cp POD:/tmp/repricer/results DIR}, which runs {@code tar} inside the container and so
 * fails on the distroless image: port-forwards the pod's export port {@value KubeNames#EXPORT_PORT} (the service
 * binds it to the pod's loopback, which a port-forward reaches and no other pod does), streams the service's own
 * tar export into {@code DIR/<pod>/results/}, then verifies what it copied ({@link ResultsVerifier}). Read-only on the pod (one
 * GET), so it works on the production pod too.
 *
 * <p>{@link #collect(URI, Optional, Path, TransferProgress, PrintWriter)} is the part that knows nothing of
 * Kubernetes: tests run it against a real service process.
 */
public record CollectResults(KubernetesClient client, String namespace) {

    public static final String RESULTS_FOLDER = "results";

    /**
     * The pod to collect from: the named one (any pod, production included), or else the newest debug pod of
     * {@code owner}.
     */
    public Pod resolve(Optional<String> name, Owner owner) {
        if (name.isPresent()) {
            Pod pod = KubernetesFailures.call("get", "pods", namespace,
                                              () -> client.pods().inNamespace(namespace).withName(name.get()).get());
            if (pod == null) {
                throw new CliFailure(CliFailure.NOT_FOUND, "no pod " + name.get() + " in namespace " + namespace);
            }
            return pod;
        }
        return DebugPods.newest(new ListDebugPods(client, namespace).list(Optional.of(owner)))
                        .orElseThrow(() -> new CliFailure(CliFailure.NOT_FOUND, "no debug pod of owner " + owner
                                                                                + " in namespace " + namespace
                                                                                + ": name the pod"));
    }

    /** Port-forwards the pod's export port, downloads and verifies into {@code out/<pod>/results/}. */
    public ResultsVerifier.Report collect(Pod pod, Path out, Optional<String> since, TransferProgress progress,
                                          PrintWriter log) throws IOException, InterruptedException {
        String name = pod.getMetadata().getName();
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (!"Running".equals(phase)) {
            throw new CliFailure(CliFailure.FAILED, "pod " + name + " is " + (phase == null ? "Pending" : phase)
                                                    + ": the results export needs a running pod");
        }
        try (PortForward forward = PortForward.open(client, namespace, name, KubeNames.EXPORT_PORT, 0)) {
            log.println("Forwarding " + forward.uri() + " to " + name + ":" + KubeNames.EXPORT_PORT
                        + " (the results export, on the pod's loopback)");
            log.flush();
            try {
                return collect(forward.uri(), since, out.resolve(name).resolve(RESULTS_FOLDER), progress, log);
            } catch (IOException | CliFailure e) {
                // a refused tunnel shows as a broken download: prefer what the API server said
                Optional<CliFailure> tunnel = forward.failure();
                if (tunnel.isPresent()) {
                    throw tunnel.get();
                }
                throw e;
            }
        }
    }

    /**
     * Downloads the export from {@code exportBase} (the export port) into {@code resultsDirectory} and verifies the folder.
     *
     * @throws CliFailure {@link CliFailure#RESULTS_INVALID} if the export was cut short or malformed, or a file in
     *                    the folder is not valid (the report's summary is the message)
     */
    public static ResultsVerifier.Report collect(URI exportBase, Optional<String> since, Path resultsDirectory,
                                                 TransferProgress progress, PrintWriter log)
            throws IOException, InterruptedException {
        ResultsDownload.Result result;
        try (HttpClient http = HttpClient.newBuilder()
                                         .version(HttpClient.Version.HTTP_1_1)
                                         .connectTimeout(ResultsDownload.CONNECT_TIMEOUT)
                                         .build()) {
            log.println("Downloading results" + since.map(s -> " after " + s).orElse("") + " into "
                        + resultsDirectory);
            log.flush();
            result = new ResultsDownload(http, progress).download(exportBase, since, resultsDirectory);
        } catch (ResultsDownload.ExportException e) {
            throw new CliFailure(CliFailure.RESULTS_INVALID, "results export failed: " + e.getMessage()
                                                             + "\n  (complete files copied so far are kept in "
                                                             + resultsDirectory + ")", e);
        }
        log.println("Copied " + result.files().size() + " files (" + TransferProgress.size(result.bytes())
                    + "); verifying " + resultsDirectory);
        ResultsVerifier.Report report = ResultsVerifier.verify(resultsDirectory);
        if (!report.ok()) {
            throw new CliFailure(CliFailure.RESULTS_INVALID, report.summary());
        }
        log.println(report.summary());
        log.flush();
        return report;
    }

    /**
     * The container port named {@value KubeNames#ADMIN_PORT_NAME}, else {@value KubeNames#ADMIN_PORT}: where the
     * probes and metrics are (the export is not: it has its own loopback port).
     */
    static int adminPort(Pod pod) {
        List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
        return containers.stream()
                         .map(Container::getPorts)
                         .filter(Objects::nonNull)
                         .flatMap(List::stream)
                         .filter(p -> KubeNames.ADMIN_PORT_NAME.equals(p.getName()))
                         .map(ContainerPort::getContainerPort)
                         .findFirst()
                         .orElse(KubeNames.ADMIN_PORT);
    }
}
