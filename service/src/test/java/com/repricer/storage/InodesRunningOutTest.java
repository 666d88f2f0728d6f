package com.repricer.storage;

import com.repricer.fixtures.Tmpfs;
import com.repricer.storage.archive.ArchiveConfig;
import com.repricer.storage.fs.FileSystemInodes;
import com.repricer.storage.fs.StorageFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static com.repricer.storage.StorageFixtures.BASE_NANOS;
import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.price;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Inodes running out, for real: the data directory on a tmpfs of 2 000 inodes (mounted by the test, so it needs
 * root; skipped with the reason otherwise), one results file per record. The archive mover frees inodes, but needs
 * a few new files to do it (the staged segment in {@code tmp/}, the store's copies). Reprices must therefore stop
 * short of the last inodes: they are refused with 503 once fewer than the reserve are free, readiness stays up, and
 * once the mover has archived the files (here when the local retention has passed) reprices are taken again,
 * without a restart. Before the reserve, the results writer took every inode, the mover failed each turn with "No
 * space left on device", and reprices were refused for good.
 */
class InodesRunningOutTest {

    private static final Duration SOON = Duration.ofSeconds(20);

    @TempDir
    Path mountPoint;
    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();
    private Tmpfs tmpfs;
    private final AtomicLong now = new AtomicLong(BASE_NANOS);
    private final Clock clock = new StorageFixtures.UtcClock() {
        @Override
        public Instant instant() {
            return Timestamps.instant(now.get());
        }
    };

    @BeforeEach
    void mountTmpfs() {
        assumeTrue(Tmpfs.unavailable() == null, Tmpfs.unavailable());
        tmpfs = Tmpfs.mount(mountPoint, "size=64m,nr_inodes=2000");
    }

    @AfterEach
    void unmount() {
        opened.afterEach(null); // the ledgers write at close: before the tmpfs goes
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    @Test
    void repricesStopShortOfTheLastInodesSoThatTheArchiveCanFreeThemAndThenGoOn() throws IOException {
        Path data = tmpfs.path().resolve("data");
        // One record a results file; no early archiving by inode share: only the reserve stands between the
        // reprices and the last inode, and only the local retention (2 s, by the test's clock) frees them.
        StorageConfig config = StorageConfig.defaults(data).withWindow(Duration.ofMillis(1), 1)
                                            .withResultsSyncInterval(Duration.ofMillis(10));
        ArchiveConfig archive = ArchiveConfig.defaults(data).withTiming(Duration.ofSeconds(2), Duration.ofSeconds(1))
                                             .withInodeShare(1.0);
        Ledger ledger = open(config, archive);
        List<PriceRecord> acknowledged = new ArrayList<>();
        StorageUnavailableException refusal = null;
        // Until refused twice in a row, the second time with every acknowledged record filed: the records waiting
        // for the results writer count as inodes taken, so the first refusals may end once they are filed.
        for (int i = 1, refusedInARow = 0; refusedInARow < 2 && i < 10_000; i++) {
            now.addAndGet(100_000); // 100 µs a record: all of them in one 1-second span, younger than the retention
            try {
                acknowledged.add(ledger.reprice("product-" + i % 20, price(i + ".25")));
                refusedInARow = 0;
            } catch (StorageUnavailableException e) {
                refusal = e;
                refusedInARow++;
                long last = acknowledged.getLast().sequence();
                await(SOON, () -> ledger.resultsSyncedThrough() >= last, "every acknowledged record filed");
            }
        }

        assertThat("reprices were refused before the inodes ran out", refusal != null, is(true));
        assertThat(refusal.getMessage(), refusal.reason(), is(StorageUnavailableException.Reason.INODE_RESERVE));
        assertThat(refusal.getMessage(), containsString("kept for the archive mover"));
        assertThat(acknowledged.size(), greaterThan(1500));
        assertThat("the mover's room", FileSystemInodes.of(data).read().orElseThrow().available(),
                   greaterThanOrEqualTo(100L));
        assertThat("readiness stays up: the mover frees inodes by itself", ledger.health(),
                   equalTo(new StorageHealth(true, "ok")));
        assertThat("nothing archived yet", ledger.archivedSegments().isEmpty(), is(true));

        now.addAndGet(Duration.ofSeconds(3).toNanos()); // every record past the local retention
        await(SOON, () -> {
            try {
                acknowledged.add(ledger.reprice("after-the-archive-freed-inodes", price("1.00")));
                return true;
            } catch (StorageUnavailableException e) {
                return false;
            }
        }, "a reprice to be taken again once the archive has freed inodes");

        assertThat(ledger.archivedSegments().isEmpty(), is(false));
        assertThat(history(ledger), equalTo(acknowledged));
        ledger.close();
        Ledger restarted = open(config, archive);
        assertThat(history(restarted), equalTo(acknowledged));
    }

    private Ledger open(StorageConfig config, ArchiveConfig archive) throws IOException {
        Ledger ledger = Ledger.open(config, archive, clock, StorageMetrics.NONE, StorageFiles.DEFAULT);
        opened.add(ledger);
        ledger.recover();
        return ledger;
    }

    private static List<PriceRecord> history(Ledger ledger) {
        return ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0, 100_000))
                     .records();
    }
}
