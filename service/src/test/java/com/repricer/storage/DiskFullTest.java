package com.repricer.storage;

import com.repricer.storage.results.ResultsFileName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.repricer.storage.StorageFixtures.assertResultsConsistent;
import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.openAndRecover;
import static com.repricer.storage.StorageFixtures.price;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real full disk: the data directory on a 1 MiB tmpfs (mounted by the test, so it needs root; skipped with the
 * reason otherwise). Writes are refused, readiness turns false, nothing acknowledged is lost, no partial file
 * appears in results/, and once space is freed the ledger accepts writes again without a restart.
 */
class DiskFullTest {

    private static final String TMPFS_SIZE = "1m";
    private static final int BALLAST_BYTES = 512 * 1024;

    @TempDir
    Path mountPoint;
    private boolean mounted;

    @BeforeEach
    void mountTmpfs() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        mounted = run("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs", mountPoint.toString()) == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", "-l", mountPoint.toString());
        }
    }

    @Test
    void fullDiskRefusesWritesKeepsEveryAcknowledgedRecordAndRecoversWithoutRestart() throws Exception {
        Path dataDirectory = mountPoint.resolve("data");
        Path ballast = mountPoint.resolve("ballast");
        Files.write(ballast, new byte[BALLAST_BYTES]);
        StorageConfig config = StorageConfig.defaults(dataDirectory).withWindow(Duration.ofMillis(50), 10);
        List<PriceRecord> acknowledged = new ArrayList<>();
        Ledger ledger = openAndRecover(config, Clock.systemUTC());
        StorageUnavailableException refusal = null;
        for (int i = 1; refusal == null && i < 1_000_000; i++) {
            try {
                acknowledged.add(ledger.reprice("product-with-a-long-name-" + i % 50, price(i + ".25")));
            } catch (StorageUnavailableException e) {
                refusal = e;
            }
        }
        assertThat("the disk never filled up", refusal != null, is(true));
        assertThat(refusal.reason(), is(StorageUnavailableException.Reason.FAILING));
        assertThat(acknowledged.size(), greaterThan(0));
        await(Duration.ofSeconds(10), () -> !ledger.health().ready(), "readiness to turn false");
        assertThat(ledger.health().reason(), containsString("fail"));

        Files.delete(ballast);
        await(Duration.ofSeconds(15), () -> ledger.health().ready(),
              "readiness to come back after space was freed (state when freed: " + ledger.health().reason() + ")");
        acknowledged.add(ledger.reprice("after-the-disk-was-freed", price("1.00")));
        ledger.close();

        Ledger reopened = openAndRecover(config, Clock.systemUTC());
        assertThat(reopened.recordCount(), is((long) acknowledged.size()));
        reopened.close();
        List<PriceRecord> stored = assertResultsConsistent(dataDirectory, acknowledged.size(), Duration.ofMillis(50),
                                                           10);
        assertThat(stored, is(acknowledged));
        try (var staged = Files.list(dataDirectory.resolve("results"))) {
            assertThat("only complete results files", staged.allMatch(
                    file -> ResultsFileName.parse(file.getFileName().toString()).isPresent()), is(true));
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }
}
