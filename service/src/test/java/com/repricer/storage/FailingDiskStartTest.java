package com.repricer.storage;

import com.repricer.fixtures.MutableClock;
import com.repricer.storage.fs.FaultyStorageFiles;
import com.repricer.storage.fs.FaultyStorageFiles.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static com.repricer.storage.StorageFixtures.BASE;
import static com.repricer.storage.StorageFixtures.assertResultsConsistent;
import static com.repricer.storage.StorageFixtures.await;
import static com.repricer.storage.StorageFixtures.chainedRecords;
import static com.repricer.storage.StorageFixtures.price;
import static com.repricer.storage.StorageFixtures.readResults;
import static com.repricer.storage.StorageFixtures.writeLogSegment;
import static com.repricer.storage.StorageFixtures.writeResultsFile;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A start after a crash, while the disk fails ({@link FaultyStorageFiles}; a real full disk in
 * {@code FullDiskRestartTest}): recovery must write results files from the log, and cannot. The ledger comes up
 * all the same, serves every record (those waiting for their file from memory), is not ready and says why, refuses
 * reprices, and finishes once the disk works, without a restart. And the files a crash left in the log's range are
 * written anew, never trusted because their bytes match: a clean shutdown, which empties the log, leaves none.
 */
class FailingDiskStartTest {

    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final int MAX_RECORDS = 10;
    private static final Duration SOON = Duration.ofSeconds(15);

    @TempDir
    Path dataDirectory;
    private final MutableClock clock = new MutableClock(BASE.minus(Duration.ofHours(1)));
    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();

    private StorageConfig config() {
        return StorageConfig.defaults(dataDirectory).withWindow(WINDOW, MAX_RECORDS);
    }

    private Ledger start(FaultyStorageFiles files) throws Exception {
        return opened.add(StorageFixtures.openAndRecover(config(), clock, files));
    }

    /** What a crash leaves: the log holds records 1–25; the first file was renamed into results/, the rest not. */
    private List<PriceRecord> crashedHistory() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 25, 3);
        writeLogSegment(dataDirectory, records);
        writeResultsFile(dataDirectory, records.subList(0, 10));
        return records;
    }

    private static List<PriceRecord> all(Ledger ledger) {
        return ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0, 1000)).records();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Fault.class, names = {"RENAME", "RESULTS_FSYNC"})
    void aStartThatCannotWriteItsResultsFilesServesReadsAndFinishesOnceTheDiskWorks(Fault fault) throws Exception {
        List<PriceRecord> records = crashedHistory();
        FaultyStorageFiles files = new FaultyStorageFiles(dataDirectory);
        files.arm(fault);

        Ledger ledger = start(files);

        assertThat(ledger.health().ready(), is(false));
        assertThat(ledger.health().reason(), allOf(containsString("25 records waiting to be written to results/"),
                                                   containsString("results files fail")));
        assertThat(all(ledger), equalTo(records));
        assertThat(ledger.latest("product-1"), is(Optional.of(records.get(24))));
        StorageUnavailableException refusal = assertThrows(StorageUnavailableException.class,
                                                           () -> ledger.reprice("product-1", price("9.99")));
        assertThat(refusal.reason(), is(StorageUnavailableException.Reason.FAILING));
        assertThat(files.injected(fault) > 0, is(true));

        files.disarm(fault);
        await(SOON, () -> ledger.health().ready(), "readiness once the disk works (was: "
                                                   + ledger.health().reason() + ")");
        assertThat(assertResultsConsistent(dataDirectory, 25, WINDOW, MAX_RECORDS), equalTo(records));
        PriceRecord next = ledger.reprice("product-1", price("9.99"));
        assertThat(next.sequence(), is(26L));
        assertThat(next.previousPrice(), equalTo(records.get(24).newPrice()));
        ledger.close();

        List<PriceRecord> expected = new ArrayList<>(records);
        expected.add(next);
        assertThat(all(start(new FaultyStorageFiles(dataDirectory))), equalTo(expected));
    }

    @Test
    void afterACrashEveryFileInTheLogsRangeIsWrittenAnewAndAfterACleanShutdownNone() throws Exception {
        List<PriceRecord> records = chainedRecords(1, 30, 3);
        writeLogSegment(dataDirectory, records);
        for (int from = 0; from < 30; from += MAX_RECORDS) {
            writeResultsFile(dataDirectory, records.subList(from, from + MAX_RECORDS));
        }
        Map<Path, Object> crashed = inodes();

        Ledger ledger = start(new FaultyStorageFiles(dataDirectory));
        Map<Path, Object> recovered = inodes();
        assertThat(recovered.keySet(), equalTo(crashed.keySet()));
        recovered.forEach((file, inode) -> assertThat(file + " written anew", inode.equals(crashed.get(file)),
                                                      is(false)));
        ledger.close();
        assertThat("a clean shutdown empties the log", logRecords(), is(empty()));

        Ledger restarted = start(new FaultyStorageFiles(dataDirectory));
        assertThat("nothing rewritten after a clean shutdown", inodes(), equalTo(recovered));
        assertThat(all(restarted), equalTo(records));
        assertThat(readResults(dataDirectory).size(), is(3));
    }

    private Map<Path, Object> inodes() throws Exception {
        Map<Path, Object> inodes = new HashMap<>();
        try (Stream<Path> files = Files.list(dataDirectory.resolve("results"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                inodes.put(file, Files.getAttribute(file, "unix:ino"));
            }
        }
        return inodes;
    }

    private List<PriceRecord> logRecords() throws Exception {
        var log = com.repricer.storage.log.WriteAheadLog.open(dataDirectory.resolve("log"),
                                                              new FaultyStorageFiles(dataDirectory));
        log.log().close();
        return log.records();
    }
}
