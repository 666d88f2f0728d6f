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

    // ---- incremental: a base, then deltas ----

    /** The records published, filed (ten a file) and synced so far, from sequence 1. */
    private final List<PriceRecord> durable = new java.util.ArrayList<>();

    /** Publishes, files and syncs the next {@code count} records of {@code history}, as a busy second would. */
    private void addSynced(List<PriceRecord> history, int count) throws IOException {
        List<PriceRecord> next = history.subList(durable.size(), durable.size() + count);
        publish(next);
        for (int from = 0; from < next.size(); from += 10) {
            List<PriceRecord> inFile = next.subList(from, Math.min(next.size(), from + 10));
            directory.write(inFile, false);
            files.add(inFile.getFirst().sequence(), inFile.size());
        }
        durable.addAll(next);
        synced.set(durable.size());
    }

    /** One turn of the background loop, {@code seconds} after the last one. */
    private boolean turn(long seconds) {
        clock.addAndGet(Duration.ofSeconds(seconds).toNanos());
        return snapshotter.writeIfDue();
    }

    private List<Path> indexFolder() throws IOException {
        try (java.util.stream.Stream<Path> listing = Files.list(config.indexDirectory())) {
            return listing.sorted().toList();
        }
    }

    private long indexBytes() throws IOException {
        long bytes = 0;
        for (Path file : indexFolder()) {
            bytes += Files.size(file);
        }
        return bytes;
    }

    /** The snapshot restores exactly {@link #durable}: files, timestamps, every product's positions and last record. */
    private void assertRestoresDurable() throws IOException {
        RestoredIndex restored = RestoredIndex.of(config.indexDirectory());
        assertThat(restored.lastSequence(), is((long) durable.size()));
        assertThat(restored.timestamps(), is(durable.stream().map(PriceRecord::timestampNanos).toList()));
        assertThat(restored.sequences(), is(RestoredIndex.sequencesOf(durable)));
        assertThat(restored.lastOfEachProduct(), is(RestoredIndex.lastOfEachProduct(durable)));
        assertThat(IndexSnapshotStore.mismatch(restored.files(), directory.list()), is(nullValue()));
        assertThat("ten records a file", restored.files().count(), is((long) durable.size() / 10));
    }

    @Test
    void afterTheBaseEachTurnAppendsADeltaOfWhatIsNew() throws Exception {
        List<PriceRecord> history = chainedRecords(1, 2150, 5);
        addSynced(history, 2000);
        assertThat(turn(1), is(true));
        assertThat(indexFolder(), is(List.of(store.path())));

        for (int i = 1; i <= 3; i++) {
            addSynced(history, 50);
            assertThat("fewer records than a delta's worth wait for the idle delay", turn(1), is(false));
            assertThat(turn(IndexSnapshotter.IDLE_DELAY.toSeconds()), is(true));
            assertThat("nothing new, nothing written", turn(1), is(false));
        }

        assertThat(indexFolder(), is(List.of(store.deltaPath(2050), store.deltaPath(2100), store.deltaPath(2150),
                                             store.path())));
        assertThat(snapshotter.chain().deltaCount(), is(3));
        assertRestoresDurable();
    }

    @Test
    void aBusySecondWritesADeltaAtOnce() throws Exception {
        List<PriceRecord> history = chainedRecords(1, (int) (3 * IndexSnapshotter.DELTA_RECORDS), 500);
        addSynced(history, (int) IndexSnapshotter.DELTA_RECORDS);
        assertThat(turn(1), is(true));
        addSynced(history, (int) IndexSnapshotter.DELTA_RECORDS);
        assertThat(turn(1), is(true));

        assertThat(snapshotter.chain().deltaCount(), is(1));
        assertRestoresDurable();
    }

    /**
     * Hours of writes under an injected clock: the folder holds the base and at most a quarter of its size in
     * deltas (plus one delta), and at most {@link IndexSnapshotter#MAX_DELTAS} of them; it never just grows.
     */
    @Test
    void theDeltasAreFoldedIntoANewBaseSoTheFolderStaysBounded() throws Exception {
        int turns = 600;
        List<PriceRecord> history = chainedRecords(1, turns * 50, 997);
        long largestDelta = 0;
        int bases = 0;
        int mostFiles = 0;
        long generation = 0;
        for (int i = 0; i < turns; i++) {
            addSynced(history, 50);
            assertThat(turn(IndexSnapshotter.IDLE_DELAY.toSeconds()), is(true));
            IndexSnapshotStore.Chain chain = snapshotter.chain();
            if (chain.generation() != generation) {
                bases++;
                generation = chain.generation();
            } else {
                largestDelta = Math.max(largestDelta, Files.size(store.deltaPath(chain.lastSequence())));
            }
            List<Path> folder = indexFolder();
            mostFiles = Math.max(mostFiles, folder.size());
            assertThat(folder.size(), is(1 + chain.deltaCount()));
            assertThat(chain.deltaCount(), org.hamcrest.Matchers.lessThanOrEqualTo(IndexSnapshotter.MAX_DELTAS));
            assertThat("deltas stay within a quarter of the base, plus the last one",
                       chain.deltaBytes(),
                       org.hamcrest.Matchers.lessThanOrEqualTo(chain.baseBytes() / IndexSnapshotter.FOLD_SHARE
                                                               + largestDelta));
            assertThat(indexBytes(), is(chain.baseBytes() + chain.deltaBytes()));
        }
        assertThat("folded more than once", bases, org.hamcrest.Matchers.greaterThan(3));
        assertThat("and kept deltas in between", mostFiles, org.hamcrest.Matchers.greaterThan(10));
        assertRestoresDurable();
    }

    /** A base of 2 000 records and three deltas of 50 each. */
    private void baseAndThreeDeltas() throws IOException {
        List<PriceRecord> history = chainedRecords(1, 2150, 5);
        addSynced(history, 2000);
        assertThat(snapshotter.writeNow(), is(true));
        for (int i = 0; i < 3; i++) {
            addSynced(history, 50);
            assertThat(snapshotter.writeNow(), is(true));
        }
        assertThat(snapshotter.chain().deltaCount(), is(3));
    }

    @Test
    void aTornLastDeltaIsIgnoredAndTheChainEndsBeforeIt() throws Exception {
        baseAndThreeDeltas();
        Path last = store.deltaPath(2150);
        byte[] bytes = Files.readAllBytes(last);
        Files.write(last, java.util.Arrays.copyOf(bytes, bytes.length - 7));
        durable.subList(2100, 2150).clear();

        assertRestoresDurable();
        assertThat(RestoredIndex.of(config.indexDirectory()).chain().strays(), is(true));
    }

    @Test
    void aDamagedMiddleDeltaEndsTheChainAndTheNextWriteIsABaseThatRemovesWhatFollowed() throws Exception {
        baseAndThreeDeltas();
        Path middle = store.deltaPath(2100);
        byte[] bytes = Files.readAllBytes(middle);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(middle, bytes);
        List<PriceRecord> all = List.copyOf(durable);
        durable.subList(2050, 2150).clear();
        assertRestoresDurable();

        // A start on that snapshot: recovery reads files 2 051–2 150 itself; the snapshotter folds first.
        RestoredIndex restored = RestoredIndex.of(config.indexDirectory());
        assertThat(restored.chain().strays(), is(true));
        IndexSnapshotter next = new IndexSnapshotter(store, index, files, directory,
                                                     IndexSnapshotter.productsOf(products, index), restored.chain(),
                                                     synced::get, clock::get);
        assertThat(next.writeNow(), is(true));
        assertThat(indexFolder(), is(List.of(store.path())));
        durable.clear();
        durable.addAll(all);
        assertRestoresDurable();
    }

    @Test
    void aDeltaOfAnOlderBaseIsNotUsed() throws Exception {
        baseAndThreeDeltas();
        byte[] oldDelta = Files.readAllBytes(store.deltaPath(2050));
        List<PriceRecord> history = chainedRecords(1, 2250, 5);
        addSynced(history, 100);
        IndexSnapshotter fresh = new IndexSnapshotter(store, index, files, directory,
                                                      IndexSnapshotter.productsOf(products, index),
                                                      IndexSnapshotStore.Chain.NONE, synced::get, clock::get);
        assertThat("no chain known: a base", fresh.writeNow(), is(true));
        assertThat(indexFolder(), is(List.of(store.path())));
        Files.write(store.deltaPath(2300), oldDelta); // as if a crash had come between the new base and the cleanup

        assertRestoresDurable();
        assertThat(RestoredIndex.of(config.indexDirectory()).chain().strays(), is(true));
    }

    @Test
    void aValidChecksumOverImpossibleContentLeavesAnEmptyIndex() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 20, 3);
        addSynced(records, 20);
        // Files and timestamps right, but the products hold 19 of the 20 records: found only after restoring them.
        store.writeBase(new IndexSnapshot.Part(7, 0, 20, records.getLast().timestampNanos(), 2, 3), () -> false,
                        encoder -> {
            encoder.fileRecordCount(10);
            encoder.fileRecordCount(10);
            records.forEach(r -> {
                try {
                    encoder.timestamp(r.timestampNanos());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (String product : RestoredIndex.sequencesOf(records).keySet()) {
                List<PriceRecord> own = records.stream().filter(r -> r.productId().equals(product)).toList();
                int count = product.equals(records.getFirst().productId()) ? own.size() - 1 : own.size();
                encoder.product(own.get(count - 1), 0, count, i -> own.get(i).sequence());
            }
        });

        RestoredIndex restored = RestoredIndex.of(config.indexDirectory());

        assertThat(restored.chain(), is(IndexSnapshotStore.Chain.NONE));
        assertThat(restored.index().size(), is(0L));
        assertThat(restored.files().count(), is(0L));
        assertThat(restored.products().size(), is(0));
    }
}
