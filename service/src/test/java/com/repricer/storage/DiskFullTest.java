package com.repricer.storage;

import com.repricer.fixtures.Tmpfs;
import com.repricer.storage.results.ResultsFileName;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
 * A real full disk: the data directory on a 4 MiB tmpfs (mounted by the test, so it needs root; skipped with the
 * reason otherwise). Writes are refused, readiness turns false, nothing acknowledged is lost, no partial file
 * appears in results/, and once space is freed the ledger accepts writes again without a restart.
 */
class DiskFullTest {

    private static final String TMPFS_SIZE = "4m";
    /**
     * Most of the disk: freeing it must leave room for the whole backlog. The log takes ~65 bytes a record, a results
     * file a 4 KiB page for 10 of them, so the records the log took before the writer failed (thousands, when the
     * writer falls behind) can need more pages than a small ballast frees; with half a MiB it failed now and then.
     */
    private static final int BALLAST_BYTES = 3 * 1024 * 1024;

    @TempDir
    Path mountPoint;
    private Tmpfs tmpfs;

    @BeforeEach
    void mountTmpfs() {
        assumeTrue(Tmpfs.unavailable() == null, Tmpfs.unavailable());
        tmpfs = Tmpfs.mount(mountPoint, "size=" + TMPFS_SIZE);
    }

    @AfterEach
    void unmount() {
        if (tmpfs != null) {
            tmpfs.close();
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
}
