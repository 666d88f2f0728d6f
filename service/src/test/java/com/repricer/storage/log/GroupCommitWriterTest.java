package com.repricer.storage.log;

import com.repricer.storage.PendingReprice;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageConfig;
import com.repricer.fixtures.MutableClock;
import com.repricer.storage.StorageMetrics;
import com.repricer.storage.StorageUnavailableException;
import com.repricer.storage.fs.FaultyStorageFiles;
import com.repricer.storage.fs.FaultyStorageFiles.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import static com.repricer.storage.StorageFixtures.BASE;
import static com.repricer.storage.StorageFixtures.BASE_NANOS;
import static com.repricer.storage.StorageFixtures.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The group commit on its own: a real log in a temporary folder, the writer on its own thread. */
class GroupCommitWriterTest {

    private static final Duration SOON = Duration.ofSeconds(10);

    @TempDir
    Path dataDirectory;
    private final MutableClock clock = new MutableClock(BASE);
    private final Outcomes outcomes = new Outcomes();
    private WriteAheadLog log;
    private Thread thread;

    /** What the writer told its listener, in order. */
    private static final class Outcomes implements GroupCommitWriter.Listener {
        final List<PriceRecord> durable = new CopyOnWriteArrayList<>();
        final List<PendingReprice> refused = new CopyOnWriteArrayList<>();

        @Override
        public void durable(List<PriceRecord> records, List<PendingReprice> pending) {
            durable.addAll(records);
            for (int i = 0; i < records.size(); i++) {
                pending.get(i).committed(records.get(i));
            }
        }

        @Override
        public void failed(List<PendingReprice> group, IOException cause, Supplier<List<PendingReprice>> queued) {
            List<PendingReprice> all = new ArrayList<>(group);
            all.addAll(queued.get());
            StorageUnavailableException refusal = new StorageUnavailableException(
                    StorageUnavailableException.Reason.FAILING, cause.getMessage());
            all.forEach(reprice -> reprice.refused(refusal));
            refused.addAll(all);
        }
    }

    private GroupCommitWriter start(FaultyStorageFiles files) throws IOException {
        StorageConfig config = StorageConfig.defaults(dataDirectory);
        Files.createDirectories(config.temporaryDirectory());
        WriteAheadLog.Opened opened = WriteAheadLog.open(config.logDirectory(), files);
        log = opened.log();
        log.restartAt(1);
        GroupCommitWriter writer = new GroupCommitWriter(log, 1, Long.MIN_VALUE, clock, config, StorageMetrics.NONE,
                                                         outcomes, files);
        thread = Thread.ofPlatform().name("test-group-commit").start(writer);
        return writer;
    }

    @AfterEach
    void stop() throws Exception {
        if (log != null) {
            thread.join(SOON.toMillis());
            log.close();
        }
    }

    private static PendingReprice reprice(String productId, String price) {
        return new PendingReprice(null, productId, null, new BigDecimal(price), null);
    }

    @Test
    void numbersRecordsWithoutGapsInQueueOrderWithStrictlyIncreasingTimestampsEvenIfTheClockStepsBack()
            throws Exception {
        GroupCommitWriter writer = start(new FaultyStorageFiles(dataDirectory));
        PendingReprice first = reprice("a", "1.00");
        PendingReprice second = reprice("b", "2.00");
        writer.offer(first);
        PriceRecord firstRecord = first.await();
        clock.advance(Duration.ofSeconds(-5));
        writer.offer(second);
        PriceRecord secondRecord = second.await();
        writer.stop();
        thread.join(SOON.toMillis());

        assertThat(firstRecord.sequence(), is(1L));
        assertThat(firstRecord.timestampNanos(), is(BASE_NANOS));
        assertThat(secondRecord.sequence(), is(2L));
        assertThat("a clock stepping back never reorders timestamps", secondRecord.timestampNanos(),
                   is(BASE_NANOS + 1));
        log.close();
        assertThat("what the writer acknowledged is in the log",
                   WriteAheadLog.open(dataDirectory.resolve("log"), new FaultyStorageFiles(dataDirectory)).records(),
                   contains(firstRecord, secondRecord));
        log = null;
    }

    @Test
    void stopWritesWhatWasQueuedBeforeIt() throws Exception {
        GroupCommitWriter writer = start(new FaultyStorageFiles(dataDirectory));
        List<PendingReprice> queued = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            PendingReprice reprice = reprice("p" + i, i + 1 + ".00");
            queued.add(reprice);
            assertThat(writer.offer(reprice), is(true));
        }
        writer.stop();
        thread.join(SOON.toMillis());

        assertThat(thread.isAlive(), is(false));
        assertThat(outcomes.durable.size(), is(100));
        for (int i = 0; i < queued.size(); i++) {
            assertThat(queued.get(i).await().sequence(), is(i + 1L));
        }
    }

    @Test
    void aFailedFsyncRefusesTheGroupCutsTheLogBackAndAcceptsWorkOnceAProbeSucceeds() throws Exception {
        FaultyStorageFiles files = new FaultyStorageFiles(dataDirectory);
        GroupCommitWriter writer = start(files);
        PendingReprice durable = reprice("a", "1.00");
        writer.offer(durable);
        PriceRecord kept = durable.await();

        files.arm(Fault.LOG_FSYNC);
        PendingReprice lost = reprice("a", "2.00");
        writer.offer(lost);
        StorageUnavailableException refusal = assertThrows(StorageUnavailableException.class, lost::await);
        assertThat(refusal.reason(), is(StorageUnavailableException.Reason.FAILING));
        assertThat(files.injected(Fault.LOG_FSYNC), greaterThan(0));
        assertThat(writer.failure(), notNullValue());
        assertThat(writer.failure().getMessage(), containsString("injected"));

        files.disarm(Fault.LOG_FSYNC);
        await(SOON, () -> writer.failure() == null, "a probe write to succeed once fsync works again");
        PendingReprice after = reprice("b", "3.00");
        writer.offer(after);
        PriceRecord next = after.await();
        assertThat("the refused record's sequence is used again: it never existed", next.sequence(), is(2L));
        writer.stop();
        thread.join(SOON.toMillis());
        log.close();
        log = null;
        assertThat(WriteAheadLog.open(dataDirectory.resolve("log"), files).records(), contains(kept, next));
        assertThat(outcomes.refused, contains(lost));
        assertThat(outcomes.durable, contains(kept, next));
    }

    @Test
    void refusesOffersBeyondTheQueueCapacity() throws Exception {
        StorageConfig config = StorageConfig.defaults(dataDirectory).withWriteQueueCapacity(2);
        WriteAheadLog.Opened opened = WriteAheadLog.open(config.logDirectory(), new FaultyStorageFiles(dataDirectory));
        opened.log().restartAt(1);
        // Not started: nothing drains the queue.
        GroupCommitWriter writer = new GroupCommitWriter(opened.log(), 1, Long.MIN_VALUE, clock, config,
                                                         StorageMetrics.NONE, outcomes,
                                                         new FaultyStorageFiles(dataDirectory));
        assertThat(writer.offer(reprice("a", "1")), is(true));
        assertThat(writer.offer(reprice("b", "1")), is(true));
        assertThat(writer.offer(reprice("c", "1")), is(false));
        assertThat(writer.queueDepth(), is(2));
        assertThat(writer.failure(), nullValue());
        assertThat(outcomes.durable, empty());
        opened.log().close();
    }
}
