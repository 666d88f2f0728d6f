package com.repricer.bench;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.archive.ArchiveSegmentWriter;
import com.repricer.storage.results.ResultsFileFormat;
import com.repricer.storage.results.ResultsFileName;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Packing results files into an archive segment (operations = records): the whole write as the mover does it
 * (read, check, tar, gzip, index), and the DEFLATE step alone at the levels and strategies that were weighed for it,
 * over the same tar bytes in members of 128 KiB. Each {@code deflate} setup prints its compressed bytes a record.
 * The records are as the service writes them at 1 000 reprices/s over 100 000 products (1-s windows, ≤ 10 a file).
 */
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ArchiveBenchmark {

    private static final int RECORDS = 20_000;
    private static final int PRODUCTS = 100_000;
    private static final double PER_SECOND = 1_000;
    private static final int MEMBER_BYTES = ArchiveSegmentWriter.DEFAULT_MEMBER_BYTES;

    /** Results files in a temporary directory, and where a segment of them goes. */
    @State(Scope.Benchmark)
    public static class Loose {
        Path directory;
        List<Path> files;
        Path data;
        Path index;

        @Setup
        public void write() throws IOException {
            directory = Files.createTempDirectory("archive-bench");
            files = writeResultsFiles(directory.resolve("results"));
            data = directory.resolve("segment.tar.gz");
            index = directory.resolve("segment.idx");
        }

        @TearDown
        public void delete() throws IOException {
            try (Stream<Path> paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /** The tar stream of those files (as a segment holds it, uncompressed), and a DEFLATE setting to pack it with. */
    @State(Scope.Benchmark)
    public static class Tar {
        @Param({"9-DEFAULT", "7-FILTERED", "6-FILTERED", "1-DEFAULT"})
        public String setting;
        byte[] tar;
        int level;
        int strategy;
        final byte[] out = new byte[1 << 16];

        @Setup
        public void unpack(Loose loose) throws IOException {
            new ArchiveSegmentWriter().write(loose.files, loose.data, loose.index);
            try (InputStream in = new GZIPInputStream(Files.newInputStream(loose.data))) {
                tar = in.readAllBytes();
            }
            String[] parts = setting.split("-");
            level = Integer.parseInt(parts[0]);
            strategy = parts[1].equals("FILTERED") ? Deflater.FILTERED : Deflater.DEFAULT_STRATEGY;
            System.out.printf("%n%s: %.2f compressed bytes a record%n", setting, (double) deflateMembers(this) / RECORDS);
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public ArchiveSegmentWriter.Written writeSegment(Loose loose) throws IOException {
        return new ArchiveSegmentWriter().write(loose.files, loose.data, loose.index);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long deflate(Tar tar) {
        return deflateMembers(tar);
    }

    /** Compressed bytes of the tar in raw DEFLATE members of {@link #MEMBER_BYTES} (gzip's 18 bytes each added). */
    private static long deflateMembers(Tar tar) {
        long total = 0;
        Deflater deflater = new Deflater(tar.level, true);
        deflater.setStrategy(tar.strategy);
        for (int offset = 0; offset < tar.tar.length; offset += MEMBER_BYTES) {
            deflater.reset();
            deflater.setInput(tar.tar, offset, Math.min(MEMBER_BYTES, tar.tar.length - offset));
            deflater.finish();
            while (!deflater.finished()) {
                total += deflater.deflate(tar.out);
            }
            total += 18;
        }
        deflater.end();
        return total;
    }

    /** Poisson arrivals, random products and prices with their previousPrice chains, files cut at each second. */
    private static List<Path> writeResultsFiles(Path directory) throws IOException {
        Files.createDirectories(directory);
        SplittableRandom random = new SplittableRandom(7);
        Map<String, BigDecimal> last = new HashMap<>();
        List<PriceRecord> records = new ArrayList<>(RECORDS);
        long timestamp = 1_795_799_587_000_000_000L;
        for (int i = 0; i < RECORDS; i++) {
            timestamp += 1 + (long) (-Math.log(1 - random.nextDouble()) / PER_SECOND * 1e9);
            String productId = "sku-%06d".formatted(random.nextInt(PRODUCTS));
            BigDecimal price = BigDecimal.valueOf(random.nextInt(100, 20_000), 2);
            records.add(new PriceRecord(i + 1, productId, last.put(productId, price), price, timestamp));
        }
        List<Path> files = new ArrayList<>();
        int start = 0;
        while (start < RECORDS) {
            long second = records.get(start).timestampNanos() / 1_000_000_000L;
            int end = start + 1;
            while (end < RECORDS && end - start < 10 && records.get(end).timestampNanos() / 1_000_000_000L == second) {
                end++;
            }
            List<PriceRecord> content = records.subList(start, end);
            PriceRecord first = content.getFirst();
            Path file = directory.resolve(
                    new ResultsFileName(first.sequence(), first.timestampNanos(), content.size()).toString());
            Files.write(file, ResultsFileFormat.encode(content));
            files.add(file);
            start = end;
        }
        return files;
    }
}
