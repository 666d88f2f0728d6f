package com.repricer.storage;

import com.repricer.fixtures.MutableClock;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.storage.snapshot.IndexSnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static com.repricer.storage.StorageFixtures.BASE;
import static com.repricer.storage.StorageFixtures.chainedRecords;
import static com.repricer.storage.StorageFixtures.price;
import static com.repricer.storage.StorageFixtures.writeResultsFile;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Results files damaged behind the service's back, where the log no longer holds their records: never serve a range
 * that cannot be read, never give a sequence number out twice, and say what is wrong and what to do.
 *
 * <ul>
 *   <li>Files lost at the end of the history: the index snapshot (or, without it, the name of the emptied log's
 *       segment) still knows how far the history went, so the start stops, naming the missing records and
 *       files.</li>
 *   <li>A file damaged in the middle, behind an index snapshot that spares the start reading it: found on the first
 *       read, which is refused ({@link DamagedResultsException}) for that file's records only; readiness turns
 *       false naming the file.</li>
 * </ul>
 */
class DamagedResultsTest {

    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final int MAX_RECORDS = 10;
    private static final int PRODUCTS = 4;

    @TempDir
    Path dataDirectory;
    private final MutableClock clock = new MutableClock(BASE.minus(Duration.ofHours(1)));
    @RegisterExtension
    final OpenedLedgers opened = new OpenedLedgers();
    private final List<PriceRecord> records = chainedRecords(1, 40, PRODUCTS);

    private Ledger start() throws IOException {
        return opened.open(StorageConfig.defaults(dataDirectory).withWindow(WINDOW, MAX_RECORDS), clock);
    }

    /** Four files of ten, read by a first start; its clean shutdown writes the snapshot and empties the log. */
    private void historyOfFourFilesShutDownCleanly() throws IOException {
        for (int from = 0; from < records.size(); from += MAX_RECORDS) {
            writeResultsFile(dataDirectory, records.subList(from, from + MAX_RECORDS));
        }
        start().close();
        assertThat("the clean shutdown wrote the snapshot", Files.exists(snapshot()), is(true));
    }

    private Path snapshot() {
        return dataDirectory.resolve("index").resolve(IndexSnapshotStore.FILE_NAME);
    }

    private Path fileOf(int firstIndex) {
        PriceRecord first = records.get(firstIndex);
        return dataDirectory.resolve("results").resolve(
                new ResultsFileName(first.sequence(), first.timestampNanos(), MAX_RECORDS).toString());
    }

    private static List<PriceRecord> all(Ledger ledger) {
        return ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0, 1000)).records();
    }

    @Test
    void aDeletedLastFileStopsTheStartNamingItRatherThanReusingItsSequenceNumbers() throws Exception {
        historyOfFourFilesShutDownCleanly();
        Path last = fileOf(30);
        Files.delete(last);

        IllegalStateException refusal = assertThrows(IllegalStateException.class, this::start);

        assertThat(refusal.getMessage(), allOf(containsString("missing records 31 to 40"),
                                               containsString(last.getFileName().toString()),
                                               containsString("Put the missing files back")));
    }

    @Test
    void withoutTheSnapshotTheEmptiedLogStillShowsHowFarTheHistoryWent() throws Exception {
        historyOfFourFilesShutDownCleanly();
        Files.delete(snapshot());
        Files.delete(fileOf(30));

        IllegalStateException refusal = assertThrows(IllegalStateException.class, this::start);

        assertThat(refusal.getMessage(), allOf(containsString("missing records 31 to 40"),
                                               containsString("the log shows the history reached 40")));
    }

    @Test
    void oncePutBackTheHistoryContinuesAfterItsTrueEnd() throws Exception {
        historyOfFourFilesShutDownCleanly();
        Path last = fileOf(30);
        byte[] saved = Files.readAllBytes(last);
        Files.delete(last);
        assertThrows(IllegalStateException.class, this::start);

        Files.write(last, saved);
        Ledger ledger = start();

        assertThat(all(ledger), equalTo(records));
        assertThat(ledger.reprice("product-1", price("7.00")).sequence(), is(41L));
    }

    @Test
    void aTruncatedFileBehindTheSnapshotIsRefusedForItsRecordsOnlyAndTakesReadinessDown() throws Exception {
        historyOfFourFilesShutDownCleanly();
        Path middle = fileOf(10);
        byte[] bytes = Files.readAllBytes(middle);
        Files.write(middle, Arrays.copyOf(bytes, bytes.length / 2));

        Ledger ledger = start();
        assertThat("the snapshot spared reading the files", ledger.restoredFromSnapshot(), is(40L));

        DamagedResultsException refusal = assertThrows(DamagedResultsException.class, () -> all(ledger));
        assertThat(refusal.getMessage(), containsString("records 11 to 20 cannot be read"));
        assertThat(ledger.health().ready(), is(false));
        assertThat(ledger.health().reason(), allOf(containsString(middle.toString()),
                                                   containsString("records 11 to 20 cannot be read")));
        // Outside the damaged file, reads go on.
        assertThat(ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 20, 20))
                         .records(), equalTo(records.subList(20, 40)));
        assertThat(ledger.history(new HistoryQuery(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 0, 10))
                         .records(), equalTo(records.subList(0, 10)));
        DamagedResultsException exportRefusal = assertThrows(
                DamagedResultsException.class, () -> ledger.checkReadable(ledger.resultsFilesAfter(Optional.empty())));
        assertThat(exportRefusal.getMessage(), containsString("records 11 to 20"));
        // The next record still follows the true end.
        assertThat(ledger.reprice("product-1", price("7.00")).sequence(), is(41L));
    }

    @Test
    void aFileCutToFewerWholeRecordsIsDamageToo() throws Exception {
        historyOfFourFilesShutDownCleanly();
        Path middle = fileOf(20);
        writeResultsFile(dataDirectory, records.subList(20, 25)); // a valid file, named 21_…_5
        Files.move(dataDirectory.resolve("results").resolve(new ResultsFileName(
                21, records.get(20).timestampNanos(), 5).toString()), middle,
                   StandardCopyOption.REPLACE_EXISTING);

        Ledger ledger = start();

        DamagedResultsException refusal = assertThrows(DamagedResultsException.class, () -> ledger.resultsFileBytes(
                ledger.resultsFilesAfter(Optional.empty()).get(2)));
        assertThat(refusal.getMessage(), containsString("records 21 to 30 cannot be read"));
        assertThat(ledger.health().reason(), containsString("holds 5 records, its name says 10"));
    }
}
