package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.results.ResultsFileFormat;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.storage.Timestamps;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Results files as the service writes them, on disk: realistic ids ({@code sku-123456}) and prices
 * ({@code 19.99}), previousPrice chains, strictly increasing timestamps, files of at most 10 records cut at
 * second boundaries.
 */
final class ResultsFixtures {

    static final long START_NANOS = Timestamps.epochNanos(Instant.parse("2026-11-27T17:13:07.100Z"));
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int MAX_RECORDS_PER_FILE = 10;

    /** The files, in order, and every record in them. */
    record Written(List<Path> files, List<PriceRecord> records) {
    }

    private ResultsFixtures() {
    }

    /**
     * Writes {@code recordCount} records into {@code directory}, starting at sequence {@code firstSequence}, for
     * {@code products} products at about {@code perSecond} records a second.
     */
    static Written write(Path directory, long firstSequence, int recordCount, int products, double perSecond,
                         long seed) throws IOException {
        Files.createDirectories(directory);
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, BigDecimal> last = new HashMap<>();
        List<PriceRecord> records = new ArrayList<>(recordCount);
        long timestamp = START_NANOS;
        for (int i = 0; i < recordCount; i++) {
            // exponential gaps: a Poisson arrival of reprices
            timestamp += 1 + (long) (-Math.log(1 - random.nextDouble()) / perSecond * NANOS_PER_SECOND);
            String productId = "sku-%06d".formatted(random.nextInt(products));
            BigDecimal price = BigDecimal.valueOf(random.nextInt(100, 20_000), 2);
            records.add(new PriceRecord(firstSequence + i, productId, last.put(productId, price), price, timestamp));
        }
        List<Path> files = new ArrayList<>();
        int start = 0;
        while (start < records.size()) {
            long second = Math.floorDiv(records.get(start).timestampNanos(), NANOS_PER_SECOND);
            int end = start + 1;
            while (end < records.size() && end - start < MAX_RECORDS_PER_FILE
                   && Math.floorDiv(records.get(end).timestampNanos(), NANOS_PER_SECOND) == second) {
                end++;
            }
            List<PriceRecord> content = records.subList(start, end);
            PriceRecord first = content.getFirst();
            Path file = directory.resolve(new ResultsFileName(first.sequence(), first.timestampNanos(), content.size()).toString());
            Files.write(file, ResultsFileFormat.encode(content));
            files.add(file);
            start = end;
        }
        return new Written(files, records);
    }
}
