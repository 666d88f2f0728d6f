package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.results.ResultsFileName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The segment format against the real {@code tar}, and every way of reading it back through its index. */
class ArchiveSegmentTest {

    /** Small members, so that a few thousand records span many of them. */
    private static final int MEMBER_BYTES = 16 * 1024;
    private static final int RECORDS = 6_000;
    private static final int PRODUCTS = 400;

    @TempDir
    static Path shared;
    private static ResultsFixtures.Written fixture;
    private static ArchiveSegmentWriter.Written written;
    private static Path data;
    private static Path index;

    @TempDir
    Path temp;

    @BeforeAll
    static void writeSegment() throws IOException {
        fixture = ResultsFixtures.write(shared.resolve("results"), 1_001, RECORDS, PRODUCTS, 500, 42);
        data = shared.resolve("segment.tar.gz");
        index = shared.resolve("segment.idx");
        written = new ArchiveSegmentWriter(MEMBER_BYTES).write(fixture.files(), data, index);
    }

    private static ArchiveSegmentReader open(Path data, Path index) throws IOException {
        return ArchiveSegmentReader.open(written.name(), FileByteSource.open(data), FileByteSource.open(index),
                                         new DecodedFileCache(64));
    }

    @Test
    void nameAndIndexDescribeTheRun() throws IOException {
        assertThat(written.name().firstSequence(), is(1_001L));
        assertThat(written.name().recordCount(), is((long) RECORDS));
        assertThat(written.name().firstTimestampNanos(), is(fixture.records().getFirst().timestampNanos()));
        assertThat(written.fileCount(), is(fixture.files().size()));
        assertThat(written.dataBytes(), is(Files.size(data)));
        try (ArchiveSegmentReader reader = open(data, index)) {
            assertThat(reader.index().memberCount(), greaterThan(10));
            assertThat(reader.index().fileCount(), is(fixture.files().size()));
            reader.verify();
        }
    }

    @Test
    void tarExtractsTheOriginalFilesWithTheirNames() throws Exception {
        Path out = Files.createDirectories(temp.resolve("out"));
        run(temp, "tar", "xzf", data.toString(), "-C", out.toString());
        List<String> listed = run(temp, "tar", "tzf", data.toString()).lines().toList();

        List<String> expected = fixture.files().stream().map(f -> f.getFileName().toString()).toList();
        assertThat(listed, equalTo(expected));
        try (Stream<Path> extracted = Files.list(out)) {
            assertThat(extracted.count(), is((long) expected.size()));
        }
        for (Path original : fixture.files()) {
            assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(out.resolve(original.getFileName())),
                              original.getFileName().toString());
        }
        run(temp, "gzip", "-t", data.toString()); // every member's CRC-32 and length
    }

    @Test
    void everyFileReadsBackAloneThroughTheIndex() throws IOException {
        try (ArchiveSegmentReader reader = open(data, index)) {
            for (int i = 0; i < fixture.files().size(); i++) {
                Path original = fixture.files().get(i);
                assertThat(reader.fileName(i).toString(), is(original.getFileName().toString()));
                assertArrayEquals(Files.readAllBytes(original), reader.fileBytes(i), original.getFileName().toString());
            }
        }
    }

    @Test
    void recordsBySequenceAndByTimestamp() throws IOException {
        List<PriceRecord> records = fixture.records();
        try (ArchiveSegmentReader reader = open(data, index)) {
            for (int i = 0; i < records.size(); i += 7) {
                assertThat(reader.record(records.get(i).sequence()), equalTo(records.get(i)));
            }
            assertThat(reader.record(records.getLast().sequence()), equalTo(records.getLast()));
            assertThat(reader.firstSequenceAtOrAfter(Long.MIN_VALUE), is(1_001L));
            assertThat(reader.firstSequenceAtOrAfter(records.getLast().timestampNanos() + 1), is(1_001L + RECORDS));
            for (int i = 1; i < records.size(); i += 13) {
                PriceRecord record = records.get(i);
                assertThat(reader.firstSequenceAtOrAfter(record.timestampNanos()), is(record.sequence()));
                // just after the previous record: still this one
                assertThat(reader.firstSequenceAtOrAfter(records.get(i - 1).timestampNanos() + 1), is(record.sequence()));
            }
        }
    }

    @Test
    void eachProductsRecordsComeFromItsOwnFilesOnly() throws IOException {
        try (ArchiveSegmentReader reader = open(data, index)) {
            for (int product = 0; product < PRODUCTS; product++) {
                String id = "sku-%06d".formatted(product);
                List<PriceRecord> expected = fixture.records().stream().filter(r -> r.productId().equals(id)).toList();
                assertThat(id, reader.productRecords(id), equalTo(expected));
                Set<Integer> filesWithIt = new HashSet<>();
                for (PriceRecord record : expected) {
                    filesWithIt.add(fileOrdinalOf(record.sequence()));
                }
                // candidates: its files, plus rarely one that only shares its key
                assertThat(id, reader.index().candidateFiles(id).length <= filesWithIt.size() + 2, is(true));
            }
            assertThat(reader.productRecords("sku-999999"), equalTo(List.of()));
            assertThat(reader.productRecords("not a product \u00e9/+"), equalTo(List.of()));
        }
    }

    @Test
    void truncatedSegmentIsReportedWithItsLengths() throws IOException {
        Path cut = copy(data, "cut.tar.gz");
        try (RandomAccessFile file = new RandomAccessFile(cut.toFile(), "rw")) {
            file.setLength(Files.size(data) - 100);
        }
        CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> open(cut, index));
        assertThat(e.getMessage(), containsString("is truncated or has trailing bytes. Expected length: " + Files.size(data)
                                                  + ", actual: " + (Files.size(data) - 100)));
    }

    @Test
    void damagedMemberIsReportedByItsGzipChecksAndTheSegmentCrc() throws IOException {
        Path damaged = copy(data, "damaged.tar.gz");
        try (ArchiveSegmentReader reader = open(data, index)) {
            SegmentIndex.Member member = reader.index().member(reader.index().memberCount() / 2);
            flipByte(damaged, member.offset() + member.length() / 2);
            try (ArchiveSegmentReader broken = open(damaged, index)) {
                CorruptSegmentException e = assertThrows(CorruptSegmentException.class, () -> broken.fileBytes(member.firstFile()));
                assertThat(e.getMessage(), containsString("gzip member " + member.ordinal() + " (offset " + member.offset()));
                CorruptSegmentException whole = assertThrows(CorruptSegmentException.class, broken::verify);
                assertThat(whole.getMessage(), containsString("is damaged: CRC-32C"));
                // files in other members still read
                assertArrayEquals(Files.readAllBytes(fixture.files().getFirst()), broken.fileBytes(0));
            }
        }
    }

    @Test
    void truncatedOrDamagedIndexIsReported() throws IOException {
        Path cut = copy(index, "cut.idx");
        try (RandomAccessFile file = new RandomAccessFile(cut.toFile(), "rw")) {
            file.setLength(Files.size(index) - 1);
        }
        CorruptSegmentException truncated = assertThrows(CorruptSegmentException.class, () -> open(data, cut));
        assertThat(truncated.getMessage(), containsString("Expected length: " + Files.size(index)
                                                          + ", actual: " + (Files.size(index) - 1)));

        Path header = copy(index, "header.idx");
        flipByte(header, 20);
        CorruptSegmentException damagedHeader = assertThrows(CorruptSegmentException.class, () -> open(data, header));
        assertThat(damagedHeader.getMessage(), containsString("has a damaged header: CRC-32C"));

        Path body = copy(index, "body.idx");
        flipByte(body, Files.size(index) - 10);
        try (ArchiveSegmentReader reader = open(data, body)) {
            CorruptSegmentException damaged = assertThrows(CorruptSegmentException.class, reader::verify);
            assertThat(damaged.getMessage(), containsString("Index " + written.name().indexName() + " is damaged: CRC-32C"));
        }

        Path foreign = temp.resolve("foreign.idx");
        Files.writeString(foreign, "x".repeat(100));
        CorruptSegmentException notAnIndex = assertThrows(CorruptSegmentException.class, () -> open(data, foreign));
        assertThat(notAnIndex.getMessage(), containsString("does not start with RPARCIDX"));
    }

    @Test
    void refusesAGapOrAFileThatIsNotWhatItsNameSays() throws IOException {
        List<Path> gap = new ArrayList<>(fixture.files());
        gap.remove(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ArchiveSegmentWriter().write(gap, temp.resolve("a.tar.gz"), temp.resolve("a.idx")));
        assertThat(e.getMessage(), containsString("results files must follow each other"));

        Path results = Files.createDirectories(temp.resolve("results"));
        Path lying = results.resolve(fixture.files().getFirst().getFileName());
        byte[] content = Files.readAllBytes(fixture.files().getFirst());
        Files.write(lying, Arrays.copyOf(content, content.length - 3)); // cut short: no closing bracket
        IllegalArgumentException incomplete = assertThrows(IllegalArgumentException.class,
                () -> new ArchiveSegmentWriter().write(List.of(lying), temp.resolve("b.tar.gz"), temp.resolve("b.idx")));
        assertThat(incomplete.getMessage(), containsString("not a complete results file"));
    }

    /** The ordinal of the fixture file holding {@code sequence}, from the file names. */
    private static int fileOrdinalOf(long sequence) {
        int ordinal = -1;
        for (Path file : fixture.files()) {
            if (ResultsFileName.parse(file.getFileName().toString()).orElseThrow().firstSequence() > sequence) {
                break;
            }
            ordinal++;
        }
        return ordinal;
    }

    private Path copy(Path file, String name) throws IOException {
        return Files.copy(file, temp.resolve(name));
    }

    private static void flipByte(Path file, long at) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x5a);
        }
    }

    /** Runs a real command; fails the test with its output unless it exits 0. */
    static String run(Path directory, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
        }
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(String.join(" ", command) + ": " + text, process.exitValue(), is(0));
        return text;
    }
}
