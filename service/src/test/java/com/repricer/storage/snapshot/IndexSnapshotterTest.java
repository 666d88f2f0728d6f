package com.repricer.storage.snapshot;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.results.FileTable;
import com.repricer.storage.results.ResultsDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static com.repricer.storage.StorageFixtures.chainedRecords;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * The index snapshotter on its own: real results files and a real product table and index in memory, as recovery
 * and the group commit leave them, and the snapshot read back from disk.
 */
class IndexSnapshotterTest {

    @TempDir
    Path dataDirectory;
    private StorageConfig config;
    private ResultsDirectory directory;
    private IndexSnapshotStore store;
    private final HistoryIndex index = new HistoryIndex();
    private final FileTable files = new FileTable(index);
    private final ProductTable products = new ProductTable();
    /** The last sequence in fsync'ed results files, as the results writer reports it. */
    private final AtomicLong synced = new AtomicLong();
    /** The snapshotter's clock, in nanoseconds: moved by hand. */
    private final AtomicLong clock = new AtomicLong();
    private IndexSnapshotter snapshotter;

    @BeforeEach
    void setUp() throws IOException {
        config = StorageConfig.defaults(dataDirectory);
        directory = new ResultsDirectory(config.resultsDirectory(), config.temporaryDirectory(), StorageFiles.DEFAULT);
        store = new IndexSnapshotStore(config.indexDirectory(), StorageFiles.DEFAULT);
        snapshotter = new IndexSnapshotter(store, index, files, directory,
                                           IndexSnapshotter.productsOf(products, index),
                                           IndexSnapshotStore.Chain.NONE, synced::get, clock::get);
    }

    @AfterEach
    void tearDown() {
        directory.close();
    }

    /** Makes records durable in memory, as the group commit publishes them. */
    private void publish(List<PriceRecord> records) {
        for (PriceRecord record : records) {
            products.getOrAdd(record.productId()).publish(record, index);
        }
    }

    /** Writes records as one fsync'ed results file, as the results writer files them. */
    private void file(List<PriceRecord> records) throws IOException {
        directory.write(records, true);
        files.add(records.getFirst().sequence(), records.size());
    }

    /** Publishes the records, files the first six as two synced files, and snapshots them. */
    private RestoredIndex snapshotOfTwoFiles(List<PriceRecord> records) throws IOException {
        publish(records);
        file(records.subList(0, 3));
        file(records.subList(3, 6));
        synced.set(6);
        assertThat(snapshotter.writeNow(), is(true));
        return RestoredIndex.of(config.indexDirectory());
    }

    @Test
    void writesWhatIsInSyncedResultsFiles() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 6, 4);
        RestoredIndex snapshot = snapshotOfTwoFiles(records);
        assertThat(snapshot.lastSequence(), is(6L));
        assertThat(snapshot.fileRecordCounts(), is(new int[] {3, 3}));
        assertThat(snapshot.chain().lastTimestampNanos(), is(records.getLast().timestampNanos()));
        assertThat(snapshot.lastOfEachProduct(), is(RestoredIndex.lastOfEachProduct(records)));
        assertThat("it matches the folder it was taken from",
                   IndexSnapshotStore.mismatch(snapshot.files(), directory.list()), is(nullValue()));
    }

    @Test
    void aProductWhoseLatestRecordIsNotYetInAFileGetsItsLastFiledRecordFromItsFile() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 8, 2); // 7 and 8 are not yet in a results file
        RestoredIndex snapshot = snapshotOfTwoFiles(records);
        assertThat(snapshot.lastSequence(), is(6L));
        assertThat(snapshot.lastOfEachProduct(), is(RestoredIndex.lastOfEachProduct(records.subList(0, 6))));
        List<Long> first = snapshot.sequences().values().iterator().next();
        assertThat("positions only up to the snapshot's last sequence", first.size(), is(3));
    }

    @Test
    void nothingSyncedWritesNothing() throws Exception {
        publish(chainedRecords(1, 2, 1));

        assertThat(snapshotter.writeNow(), is(false));
        assertThat(Files.exists(store.path()), is(false));
    }

    @Test
    void theFinalSnapshotIsWrittenOnlyIfSomethingIsNewAndTheBackgroundLoopStopsWhenAsked() throws Exception {
        Thread background = Thread.ofPlatform().name("test-index-snapshot").start(snapshotter);
        List<PriceRecord> records = chainedRecords(1, 3, 1);
        publish(records);
        file(records);
        synced.set(3);

        snapshotter.stop();
        background.join(Duration.ofSeconds(10).toMillis());
        assertThat(background.isAlive(), is(false));
        snapshotter.writeFinal(System.currentTimeMillis() + 10_000);
        assertThat(RestoredIndex.of(config.indexDirectory()).lastSequence(), is(3L));

        long modified = Files.getLastModifiedTime(store.path()).toMillis();
        Files.setLastModifiedTime(store.path(), java.nio.file.attribute.FileTime.fromMillis(modified - 60_000));
        snapshotter.writeFinal(System.currentTimeMillis() + 10_000);
        assertThat("nothing new: the snapshot on disk stays", Files.getLastModifiedTime(store.path()).toMillis(),
                   is(modified - 60_000));
    }
}
