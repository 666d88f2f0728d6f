package com.repricer.http;

import com.repricer.RunningService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Start-up failures end the start instead of leaving a process that serves nothing. */
class StartupTest {

    @TempDir
    Path dataDir;

    @Test
    void aPortInUseFailsTheStartAndReleasesTheDataDirectory() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"))) {
            String port = Integer.toString(taken.getLocalPort());

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> RunningService.start(dataDir, Map.of("server.port", port)));

            assertThat(e.getMessage(), containsString(port));
        }
        // The failed start let go of the data directory: the next start takes it.
        try (RunningService service = RunningService.start(dataDir)) {
            assertThat(service.get("/api/product/p1/price").status(), is(404));
        }
    }

    @Test
    void theBoundPortsAreWrittenToThePortsFileWhenOneIsConfigured(@TempDir Path work) throws IOException {
        Path portsFile = work.resolve("ports");

        try (RunningService service = RunningService.start(dataDir, Map.of("repricer.ports-file",
                                                                           portsFile.toString()))) {
            Properties ports = new Properties();
            try (Reader reader = Files.newBufferedReader(portsFile, StandardCharsets.ISO_8859_1)) {
                ports.load(reader);
            }

            assertThat(ports.getProperty("api"), is(Integer.toString(service.repricer().port())));
            assertThat(ports.getProperty("admin"), is(Integer.toString(service.repricer().adminPort())));
            assertThat(ports.getProperty("export"), is(Integer.toString(service.repricer().exportPort())));
            assertThat(ports.stringPropertyNames(), is(Set.of("api", "admin", "export")));
            assertThat("only the ports file, no temporary file left", fileNames(work), is(List.of("ports")));
        }
    }

    private static List<String> fileNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }
}
