package com.repricer.storage;

import com.repricer.storage.archive.ArchiveConfig;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.log.WriteAheadLog;
import com.repricer.storage.results.ResultsFileFormat;
import com.repricer.storage.results.ResultsFileName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

/** Shared helpers of the storage tests: controllable clocks, fixtures on disk and the results-file invariants. */
public final class StorageFixtures {

    /** 2026-11-27T17:13:07.100000000Z: 100 ms into an aligned second, so a window of 1 s is far from its end. */
    public static final Instant BASE = Instant.parse("2026-11-27T17:13:07.100Z");
    public static final long BASE_NANOS = Timestamps.epochNanos(BASE);

    private StorageFixtures() {
    }

    /** A test clock in UTC; subclasses say what time it is. */
    public abstract static class UtcClock extends Clock {

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** Polls {@code condition} until it holds; fails after {@code timeout}. No fixed sleeps: returns as soon as it holds. */
    public static void await(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }

    /** This process's open file descriptors, as links to what they are open on (Linux). */
    public static final Path OPEN_FILES = Path.of("/proc/self/fd");

    /** The files under {@code directory} (a real path) this process holds open; needs {@link #OPEN_FILES}. */
    public static List<String> openFilesUnder(Path directory) throws IOException {
        List<String> open = new ArrayList<>();
        try (Stream<Path> links = Files.list(OPEN_FILES)) {
            for (Path link : (Iterable<Path>) links::iterator) {
                try {
                    String target = Files.readSymbolicLink(link).toString();
                    if (target.startsWith(directory.toString())) {
                        open.add(target);
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return open;
    }

    public static Ledger openAndRecover(StorageConfig config, Clock clock) throws IOException {
        return openAndRecover(config, clock, StorageFiles.DEFAULT);
    }

    /**
     * Storage with windows of 200 ms and at most 10 records, synced every 10 ms: the history of the archive and
     * retention tests, a results file every few records.
     */
    public static StorageConfig smallWindows(Path dataDirectory) {
        return StorageConfig.defaults(dataDirectory).withWindow(Duration.ofMillis(200), 10)
                            .withResultsSyncInterval(Duration.ofMillis(10));
    }

    /** Every file in {@code results/}, name → bytes, in name (= sequence) order. */
    public static Map<String, byte[]> resultsFileBytes(StorageConfig config) throws IOException {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(config.resultsDirectory())) {
            for (Path file : files.sorted().toList()) {
                bytes.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        return bytes;
    }

    /** Opens and recovers a ledger whose file operations go through {@code files}; closes it if recovery fails. */
    public static Ledger openAndRecover(StorageConfig config, Clock clock, StorageFiles files) throws IOException {
        return openAndRecover(config, ArchiveConfig.defaults(config.dataDirectory()), clock, files);
    }

    /** The same, with these archive settings. */
    public static Ledger openAndRecover(StorageConfig config, ArchiveConfig archive, Clock clock, StorageFiles files)
            throws IOException {
        Ledger ledger = Ledger.open(config, archive, clock, StorageMetrics.NONE, files);
        try {
            ledger.recover();
        } catch (IOException | RuntimeException e) {
            ledger.close();
            throw e;
        }
        return ledger;
    }

    public static BigDecimal price(String text) {
        return new BigDecimal(text);
    }

    /** One results file as found on disk. */
    public record ResultsFile(ResultsFileName name, List<PriceRecord> records) {
    }

    /** Every results file in {@code results/}, in name order, decoded. */
    public static List<ResultsFile> readResults(Path dataDirectory) {
        Path results = dataDirectory.resolve("results");
        if (!Files.isDirectory(results)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(results)) {
            List<Path> sorted = files.sorted().toList();
            List<ResultsFile> decoded = new ArrayList<>();
            for (Path file : sorted) {
                String fileName = file.getFileName().toString();
                ResultsFileName name = ResultsFileName.parse(fileName)
                        .orElseThrow(() -> new AssertionError("not a results file name in results/: " + fileName));
                decoded.add(new ResultsFile(name, ResultsFileFormat.decode(Files.readAllBytes(file),
                                                                            name.firstSequence())));
            }
            return decoded;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<PriceRecord> allRecords(List<ResultsFile> files) {
        return files.stream().flatMap(f -> f.records().stream()).toList();
    }

    public static int recordCount(Path dataDirectory) {
        return readResults(dataDirectory).stream().mapToInt(f -> f.records().size()).sum();
    }

    /**
     * Checks SPEC §2 on a whole {@code results/} folder: {@code expectedRecords} records numbered 1..N without
     * gaps, names in sequence order that describe their content, no empty file, at most {@code maxRecords} a file,
     * one aligned window a file, strictly increasing timestamps and every product's previous-price chain.
     *
     * @return all records in file order
     */
    public static List<PriceRecord> assertResultsConsistent(Path dataDirectory, int expectedRecords, Duration window,
                                                     int maxRecords) {
        List<ResultsFile> files = readResults(dataDirectory);
        List<String> names = files.stream().map(f -> f.name().toString()).toList();
        assertThat("names sort in sequence order", names.stream().sorted().toList(), equalTo(names));
        long windowNanos = window.toNanos();
        long nextSequence = 1;
        long lastTimestamp = Long.MIN_VALUE;
        Map<String, BigDecimal> lastPrice = new HashMap<>();
        for (ResultsFile file : files) {
            List<PriceRecord> records = file.records();
            assertThat(file.name() + " is not empty", records.size(), greaterThan(0));
            assertThat(file.name() + " holds at most " + maxRecords, records.size(), lessThanOrEqualTo(maxRecords));
            assertThat(file.name() + " count in name", file.name().recordCount(), is(records.size()));
            assertThat(file.name() + " starts where the previous file ended", file.name().firstSequence(),
                       is(nextSequence));
            assertThat(file.name() + " first timestamp in name", file.name().firstTimestampNanos(),
                       is(records.getFirst().timestampNanos()));
            long fileWindow = Math.floorDiv(records.getFirst().timestampNanos(), windowNanos);
            assertThat(file.name() + " holds one aligned window",
                       records.stream().map(r -> Math.floorDiv(r.timestampNanos(), windowNanos)).toList(),
                       everyItem(is(fileWindow)));
            for (PriceRecord record : records) {
                assertThat("sequence", record.sequence(), is(nextSequence));
                assertThat("timestamps strictly increase at " + record.sequence(), record.timestampNanos(),
                           greaterThan(lastTimestamp));
                assertThat("previousPrice chain of " + record.productId() + " at " + record.sequence(),
                           record.previousPrice(), equalTo(lastPrice.get(record.productId())));
                lastPrice.put(record.productId(), record.newPrice());
                lastTimestamp = record.timestampNanos();
                nextSequence++;
            }
        }
        assertThat("records in results/", nextSequence - 1, is((long) expectedRecords));
        return allRecords(files);
    }

    /** {@code count} records over {@code products} products, 1 ms apart from {@link #BASE}, with true chains. */
    public static List<PriceRecord> chainedRecords(long firstSequence, int count, int products) {
        return chainedRecords(firstSequence, count, products, new HashMap<>(), BASE_NANOS);
    }

    public static List<PriceRecord> chainedRecords(long firstSequence, int count, int products,
                                            Map<String, BigDecimal> lastPrice, long firstTimestampNanos) {
        List<PriceRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long sequence = firstSequence + i;
            String product = "product-" + (sequence % products);
            BigDecimal newPrice = new BigDecimal(sequence).add(new BigDecimal("0.50"));
            records.add(new PriceRecord(sequence, product, lastPrice.get(product), newPrice,
                                        firstTimestampNanos + i * 1_000_000L));
            lastPrice.put(product, newPrice);
        }
        return records;
    }

    /** The bytes of a log segment holding {@code records}, as the group-commit writer writes them. */
    public static byte[] logSegment(List<PriceRecord> records) {
        ByteBuffer buffer = ByteBuffer.allocate(records.size() * WriteAheadLog.maxEntryBytes());
        for (PriceRecord record : records) {
            WriteAheadLog.encode(record, buffer);
        }
        buffer.flip();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** The byte size of each record's log entry. */
    public static int entryBytes(PriceRecord record) {
        return logSegment(List.of(record)).length;
    }

    public static Path writeLogSegment(Path dataDirectory, List<PriceRecord> records) throws IOException {
        Path log = Files.createDirectories(dataDirectory.resolve("log"));
        Path segment = log.resolve(String.format("%019d%s", records.getFirst().sequence(), WriteAheadLog.SUFFIX));
        Files.write(segment, logSegment(records));
        return segment;
    }

    /** Writes a results file exactly as the service names and formats it. */
    public static Path writeResultsFile(Path dataDirectory, List<PriceRecord> records) throws IOException {
        Path results = Files.createDirectories(dataDirectory.resolve("results"));
        PriceRecord first = records.getFirst();
        Path file = results.resolve(new ResultsFileName(first.sequence(), first.timestampNanos(), records.size())
                                            .toString());
        Files.write(file, ResultsFileFormat.encode(records));
        return file;
    }
}
