package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.internal.WebSocketMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The port-forward glue against the mock API server's {@code portforward} WebSocket, which plays the pod's port.
 * The mock replays a script and closes the session on any message it was not told to expect, so it cannot answer an
 * HTTP request of unknown bytes: the tunnel is checked with a raw socket that only reads (the HTTP path runs against
 * a real service in {@link CollectFromServiceTest}); a refused tunnel is checked through {@code collect} itself.
 */
@EnableKubernetesMockClient(https = false)
class PortForwardTest {

    private static final String POD = "repricer-debug-alice-b4x7q";
    private static final String FORWARD_PATH = "/api/v1/namespaces/test/pods/" + POD + "/portforward?ports=9103";
    private static final byte DATA = 0;
    private static final byte ERROR = 1;

    KubernetesClient client;
    KubernetesMockServer server;

    @TempDir
    Path out;

    @Test
    void tunnelsALocalLoopbackPortToThePodsPort() throws Exception {
        byte[] fromPod = "HTTP/1.1 200 OK\r\nX-Results-Files: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        server.expect().get().withPath(FORWARD_PATH)
              .andUpgradeToWebSocket()
              .open()
              // each channel's first frame names the port (9103, little-endian); then the pod's bytes; the mock closes once all are sent
              .waitFor(10).andEmit(frame(10, DATA, new byte[] {(byte) 0x8f, 0x23}))
              .waitFor(20).andEmit(frame(20, ERROR, new byte[] {(byte) 0x8f, 0x23}))
              .waitFor(100).andEmit(frame(100, DATA, fromPod))
              .done()
              .once();

        try (PortForward forward = PortForward.open(client, "test", POD, KubeNames.EXPORT_PORT, 0);
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), forward.localPort())) {
            assertThat(forward.uri().toString(), is("http://127.0.0.1:" + forward.localPort() + "/"));
            assertThat(socket.getInputStream().readAllBytes(), is(fromPod));
            assertThat(forward.failure(), is(Optional.empty()));
        }
    }

    @Test
    void aRefusedForwardIsExplainedAsTheMissingVerb() {
        server.expect().get().withPath(FORWARD_PATH)
              .andReturn(403, new StatusBuilder().withCode(403).withStatus("Failure").withReason("Forbidden")
                      .withMessage("pods \"" + POD + "\" is forbidden: User \"alice\" cannot create resource "
                                   + "\"pods/portforward\" in API group \"\" in the namespace \"test\"").build())
              .always();
        StringWriter log = new StringWriter();

        CliFailure failure = assertThrows(CliFailure.class, () -> new CollectResults(client, "test").collect(
                runningPod(), out, Optional.empty(),
                new TransferProgress(new PrintWriter(log), false, System::nanoTime), new PrintWriter(log, true)));

        assertThat(failure.getMessage(), failure.exitCode(), is(CliFailure.FORBIDDEN));
        assertThat(failure.getMessage(), containsString("verb \"create\" on \"pods/portforward\" in namespace \"test\""));
        assertThat(log.toString(), containsString(" to " + POD + ":9103 (the results export, on the pod's loopback)"));
    }

    /** A port-forward WebSocket frame: the channel (0 data, 1 error), then the payload, sent at a delay. */
    private static WebSocketMessage frame(long delayMillis, byte channel, byte[] payload) {
        byte[] frame = new byte[payload.length + 1];
        frame[0] = channel;
        System.arraycopy(payload, 0, frame, 1, payload.length);
        return new WebSocketMessage(delayMillis, frame, false, true);
    }

    private static Pod runningPod() {
        return new PodBuilder(Fixtures.debugPod(POD, "alice", Fixtures.NOW, Fixtures.NOW.plusSeconds(7200)))
                .editSpec().editFirstContainer().addNewPort().withName("admin").withContainerPort(9102).endPort()
                .endContainer().endSpec()
                .build();
    }
}
