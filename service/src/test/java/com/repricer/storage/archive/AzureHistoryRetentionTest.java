package com.repricer.storage.archive;

import com.repricer.fixtures.MutableClock;
import com.repricer.storage.HistoryQuery;
import com.repricer.storage.Ledger;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.StorageFixtures;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.snapshot.IndexSnapshotStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

/**
 * History retention with the segments in Azure Blob Storage (Azurite, the real emulator): the ledger's background
 * mover and retention archive and delete, the container then holds exactly the kept segments, and what is kept is
 * served as before, also after a restart that reads the container's listing and the history start.
 */
class AzureHistoryRetentionTest {

    private static final Duration SOON = Duration.ofSeconds(60);

    @TempDir
    Path temp;
    private Azurite azurite;
    private final MutableClock clock = new MutableClock(StorageFixtures.BASE);
    private final List<PriceRecord> acknowledged = new ArrayList<>();
    private final List<Ledger> opened = new ArrayList<>();
    private StorageConfig config;
    private ArchiveConfig archive;

    @BeforeEach
    void start() throws Exception {
        azurite = Azurite.start(temp);
        Path data = temp.resolve("data");
        config = StorageConfig.defaults(data).withWindow(Duration.ofMillis(200), 10)
                              .withResultsSyncInterval(Duration.ofMillis(10));
        archive = ArchiveConfig.defaults(data).withTiming(Duration.ofSeconds(2), Duration.ofSeconds(1))
                               .withAzure(Optional.of(new ArchiveConfig.Azure(azurite.connectionString(),
                                                                              "archive-" + UUID.randomUUID())))
                               .withHistoryRetention(Optional.of(Duration.ofSeconds(3)));
    }

    @AfterEach
    void stop() throws InterruptedException {
        opened.forEach(Ledger::close);
        if (azurite != null) {
            azurite.close();
        }
    }

    private Ledger open() throws IOException {
        Ledger ledger = StorageFixtures.openAndRecover(config, archive, clock, StorageFiles.DEFAULT);
        opened.add(ledger);
        return ledger;
    }

    @Test
    void oldSegmentsLeaveTheContainerAndWhatIsKeptIsServedAlsoAfterARestart() throws IOException {
        Ledger ledger = open();
        acknowledged.add(ledger.reprice("early", StorageFixtures.price("2.00")));
        for (int i = 0; i < 120; i++) {
            clock.advance(Duration.ofMillis(50));
            acknowledged.add(ledger.reprice("product-" + i % 5, StorageFixtures.price(i + 1 + ".25")));
        }
        clock.advance(Duration.ofSeconds(1)); // the newest record stays the reference: 3 s of it are kept
        // Kept in the end: from the 1-second segment holding the first record at or after newest − 3 s.
        long cutoff = acknowledged.getLast().timestampNanos() - Duration.ofSeconds(3).toNanos();
        long keptSpan = Math.floorDiv(acknowledged.stream().filter(r -> r.timestampNanos() >= cutoff).findFirst()
                                                  .orElseThrow().timestampNanos(), 1_000_000_000L) * 1_000_000_000L;
        long start = acknowledged.stream().filter(r -> r.timestampNanos() >= keptSpan).findFirst().orElseThrow()
                                 .sequence();
        assertThat(start, is(greaterThan(2L)));
        StorageFixtures.await(SOON, () -> ledger.historyStart() == start,
                              "segments archived into the container and the oldest deleted, up to " + start);
        assertThat(ledger.archivedSegments().getFirst().firstSequence(), is(start));
        assertKept(ledger, start);
        try (AzureBlobArchiveStore store = AzureBlobArchiveStore.connect(archive.azure().orElseThrow()
                                                                                .connectionString(),
                                                                         archive.azure().orElseThrow().container(),
                                                                         Duration.ofSeconds(15))) {
            StorageFixtures.await(SOON, () -> {
                try {
                    return store.list().equals(ledger.archivedSegments());
                } catch (IOException e) {
                    return false;
                }
            }, "the container to hold exactly the kept segments");
        }
        ledger.close();

        Files.delete(config.indexDirectory().resolve(IndexSnapshotStore.FILE_NAME));
        Ledger restarted = open();
        assertThat(restarted.historyStart(), is(start));
        assertKept(restarted, start);
    }

    private void assertKept(Ledger ledger, long start) {
        List<PriceRecord> expected = acknowledged.stream().filter(r -> r.sequence() >= start).toList();
        assertThat(ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0, 1000))
                         .records(), equalTo(expected));
        assertThat(ledger.latest("early"), is(Optional.of(acknowledged.getFirst())));
    }
}
