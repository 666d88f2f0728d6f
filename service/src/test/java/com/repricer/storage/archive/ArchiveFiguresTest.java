package com.repricer.storage.archive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/**
 * Prints the archive's figures for docs/archive.md: disk per archived record (asserted: it is deterministic,
 * fixed seeds), segment write rate and read latencies (printed only: the machine is shared, times are noise).
 * Run alone: {@code mvn -B -q -pl service -am test -Dtest=ArchiveFiguresTest -Dsurefire.failIfNoSpecifiedTests=false}
 * and look for lines starting with {@code archive-figures}.
 */
class ArchiveFiguresTest {

    /** The target of issue 13: disk per archived record. */
    private static final double MAX_BYTES_PER_RECORD = 25.0;
    private static final int RECORDS = 100_000;
    private static final int SAMPLES = 2_000;

    @TempDir
    Path temp;

    @Test
    void fullFilesAtAThousandRecordsASecond() throws IOException {
        Figures figures = measure(1_000, 100_000);
        assertThat(figures.bytesPerRecord(), lessThanOrEqualTo(MAX_BYTES_PER_RECORD));
    }

    @Test
    void smallerFilesAtTwentyRecordsASecond() throws IOException {
        // the soak of issue 13: 1-second windows of ~20 records, cut into files of 10 and fewer
        Figures figures = measure(20, 100_000);
        assertThat(figures.bytesPerRecord(), lessThanOrEqualTo(MAX_BYTES_PER_RECORD));
    }

    private Figures measure(double perSecond, int products) throws IOException {
        ResultsFixtures.Written fixture = ResultsFixtures.write(temp.resolve("results"), 1, RECORDS, products, perSecond, 7);
        long started = System.nanoTime();
        ArchiveSegmentWriter.Written written = new ArchiveSegmentWriter().write(fixture.files(), temp.resolve("s.tar.gz"),
                                                                                temp.resolve("s.idx"));
        double writeSeconds = (System.nanoTime() - started) / 1e9;
        double dataPerRecord = (double) written.dataBytes() / RECORDS;
        double indexPerRecord = (double) written.indexBytes() / RECORDS;
        long[] fileNanos = new long[SAMPLES];
        long[] productNanos = new long[SAMPLES];
        try (LocalArchiveStore store = LocalArchiveStore.open(temp.resolve("archive"), com.repricer.storage.fs.StorageFiles.DEFAULT)) {
            store.store(written.name(), temp.resolve("s.tar.gz"), temp.resolve("s.idx"));
            try (ArchiveSegmentReader reader = store.open(written.name(), new DecodedFileCache(1))) {
                SplittableRandom random = new SplittableRandom(11);
                for (int i = 0; i < SAMPLES; i++) {
                    int file = random.nextInt(written.fileCount());
                    long start = System.nanoTime();
                    reader.fileBytes(file);
                    fileNanos[i] = System.nanoTime() - start;
                }
                for (int i = 0; i < SAMPLES; i++) {
                    String product = fixture.records().get(random.nextInt(RECORDS)).productId();
                    long start = System.nanoTime();
                    reader.productRecords(product);
                    productNanos[i] = System.nanoTime() - start;
                }
            }
        }
        System.out.printf("archive-figures: %.0f records/s, %d products, %d records in %d files: data %.2f B/record, "
                          + "index %.2f B/record, total %.2f B/record (the files themselves: %.1f B/record); "
                          + "segment written at %.0f records/s; one file read p50 %.0f µs, one product's records "
                          + "p50 %.0f µs (cold file cache, %d samples each)%n",
                          perSecond, products, RECORDS, written.fileCount(), dataPerRecord, indexPerRecord,
                          dataPerRecord + indexPerRecord, (double) totalFileBytes(fixture) / RECORDS,
                          RECORDS / writeSeconds, median(fileNanos) / 1e3, median(productNanos) / 1e3, SAMPLES);
        return new Figures(dataPerRecord + indexPerRecord);
    }

    private static long totalFileBytes(ResultsFixtures.Written fixture) throws IOException {
        long total = 0;
        for (Path file : fixture.files()) {
            total += java.nio.file.Files.size(file);
        }
        return total;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private record Figures(double bytesPerRecord) {
    }
}
