package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.StorageMetrics;
import com.repricer.storage.fs.FaultyStorageFiles;
import com.repricer.storage.fs.FaultyStorageFiles.Fault;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.log.WriteAheadLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.chainedRecords;
import static com.repricer.storage.StorageFixtures.readResults;
import static com.repricer.storage.StorageFixtures.allRecords;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The results writer on its own: a real results folder and log in a temporary folder, records handed in as the
 * group commit would, the writer on its own thread.
 */
class ResultsWriterTest {

    private static final Duration SOON = Duration.ofSeconds(10);
    private static final int MAX_RECORDS = 3;

    @TempDir
    Path dataDirectory;
    private FaultyStorageFiles storageFiles;
    private StorageConfig config;
    private WriteAheadLog log;
    private ResultsDirectory directory;
    private final HistoryIndex index = new HistoryIndex();
    private FileTable files;
    private RecordStore store;
    private final AtomicInteger trims = new AtomicInteger();
    private ResultsWriter writer;
    private Thread thread;

    @BeforeEach
    void setUp() throws IOException {
        storageFiles = new FaultyStorageFiles(dataDirectory);
        config = StorageConfig.defaults(dataDirectory).withWindow(Duration.ofSeconds(1), MAX_RECORDS)
                              .withResultsSyncInterval(Duration.ofMillis(10));
        log = WriteAheadLog.open(config.logDirectory(), storageFiles).log();
        log.restartAt(1);
        directory = new ResultsDirectory(config.resultsDirectory(), config.temporaryDirectory(), storageFiles);
        files = new FileTable(index);
        store = new RecordStore(files, directory);
        writer = new ResultsWriter(directory, files, store, log, config, StorageMetrics.NONE,
                                   new Recovery.Outcome(1, Long.MIN_VALUE, 0, List.of(), 0), trims::incrementAndGet);
        thread = Thread.ofPlatform().name("test-results-writer").start(writer);
    }

    @AfterEach
    void tearDown() throws Exception {
        writer.stop();
        thread.join(SOON.toMillis());
        log.close();
        directory.close();
    }

    /** Logs the records as the group commit would, in segments of {@code perSegment}, and hands them over. */
    private void commit(List<PriceRecord> records, int perSegment) throws IOException {
        for (int i = 0; i < records.size(); i++) {
            PriceRecord record = records.get(i);
            ByteBuffer entry = ByteBuffer.allocate(WriteAheadLog.maxEntryBytes());
            WriteAheadLog.encode(record, entry);
            log.append(entry.flip());
            log.sync();
            index.addTimestamp(record.sequence(), record.timestampNanos());
            store.addUnfiled(record);
            if ((i + 1) % perSegment == 0) {
                log.roll(record.sequence() + 1);
            }
        }
        writer.accept(records);
    }

    /** Log segments on disk; the current one always stays. */
    private long segments() {
        try (Stream<Path> listed = Files.list(config.logDirectory())) {
            return listed.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void cutsFullFilesSyncsThemAndThenTrimsTheLogBehindThem() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 6, 2); // 1 ms apart: one window, so files of MAX_RECORDS
        commit(records, 3);

        // The log is trimmed just after the sync: wait for both.
        await(SOON, () -> writer.syncedThrough() == 6 && segments() == 1,
              "both full files to be synced and the log trimmed");
        assertThat(allRecords(readResults(dataDirectory)), is(records));
        assertThat(files.fileOf(4).firstSequence(), is(4L));
        assertThat("records are read from their files once filed", store.read(new long[] {1, 5}),
                   contains(records.get(0), records.get(4)));
        assertThat("what is only in the log is saved before the first trim", trims.get(), greaterThan(0));
    }

    @Test
    void stopWritesTheOpenWindow() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 4, 2);
        commit(records, 100);
        await(SOON, () -> writer.syncedThrough() == 3, "the full file to be synced");

        writer.stop();
        thread.join(SOON.toMillis());
        assertThat(thread.isAlive(), is(false));
        assertThat(writer.syncedThrough(), is(4L));
        assertThat(allRecords(readResults(dataDirectory)), is(records));
    }

    @Test
    void aFailingRenameKeepsTheRecordsReportsItAndWritesThemOnceItWorks() throws Exception {
        storageFiles.arm(Fault.RENAME);
        List<PriceRecord> records = chainedRecords(1, 3, 1);
        commit(records, 100);

        await(SOON, () -> writer.failure() != null, "the failure to be reported");
        assertThat(writer.failure().getMessage(), containsString("injected rename failure"));
        assertThat(store.read(new long[] {2}), contains(records.get(1)));
        assertThat(readResults(dataDirectory).size(), is(0));

        storageFiles.disarm(Fault.RENAME);
        await(SOON, () -> writer.failure() == null && writer.syncedThrough() == 3,
              "the retry to write and sync the file");
        assertThat(allRecords(readResults(dataDirectory)), is(records));
        assertThat(storageFiles.injected(Fault.RENAME), greaterThan(0));
        assertThat(files.fileOf(1), notNullValue());
    }
}
