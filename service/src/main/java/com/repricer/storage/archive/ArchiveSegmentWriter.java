package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.results.ResultsFileFormat;
import com.repricer.storage.results.ResultsFileName;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an archive segment: a run of consecutive results files, byte for byte and with their names, as one
 * {@code .tar.gz} that {@code tar xzf} unpacks, and its {@link SegmentIndex} beside it.
 *
 * <p>The segment ({@code <name>.tar.gz}) is, byte for byte:
 *
 * <pre>
 * gzip member 0 | gzip member 1 | … | gzip member M−1
 * </pre>
 *
 * Each member is a complete gzip stream (RFC 1952: 10-byte header, DEFLATE level 7 FILTERED, CRC-32 and length of its
 * uncompressed bytes in the 8-byte trailer). Concatenated members are one valid gzip stream (RFC 1952 §2.2), so
 * ordinary tools see a single file. Uncompressed, the members together are one POSIX ustar stream (POSIX.1-1988,
 * 512-byte records):
 *
 * <pre>
 * per results file, in sequence order:
 *   512-byte ustar header: name = the results file name (at most 63 bytes: fits ustar's 100), mode 0644,
 *                          uid/gid 0, mtime = the first record's second, size = the file's length
 *   the file's bytes, padded with zeros to a multiple of 512
 * end of archive: two 512-byte zero records
 * </pre>
 *
 * A member holds whole tar entries only: it is closed after the entry that takes its uncompressed bytes to
 * {@link #DEFAULT_MEMBER_BYTES} or more (the end-of-archive records are in the last member). So one results
 * file is read by inflating one member (about 128 KiB), never the segment: the index says which member holds
 * which files and records ({@link SegmentIndex}), the member's tar headers where each file is in it. Members of 128 KiB cost about 0.5 B a record more than one stream over the
 * whole segment would (measured: docs/archive.md). Closing a member after the end-of-archive records' entry would
 * leave an empty member: the last member ends with the last file's entry and the two zero records.
 *
 * <p>The writer checks what it packs: names must be results file names, each file must parse and hold as many
 * records as its name says, and the files must follow each other without a gap in sequence numbers.
 */
public final class ArchiveSegmentWriter {

    /**
     * DEFLATE level 7 with the FILTERED strategy (zlib drops matches of 5 bytes or fewer for Huffman codes): on
     * results files as clients write them ~2 % smaller and 2.7× cheaper than level 9 with the default strategy, whose
     * long match searches were most of the mover's CPU (docs/archive.md, "Compression").
     */
    private static final int COMPRESSION_LEVEL = 7;
    /** Uncompressed bytes after which a member is closed at the next entry boundary. */
    public static final int DEFAULT_MEMBER_BYTES = 128 * 1024;
    private static final int TAR_RECORD = 512;
    private static final int FILE_MODE = 0100644;

    private final int memberBytes;

    public ArchiveSegmentWriter() {
        this(DEFAULT_MEMBER_BYTES);
    }

    /** A writer closing members after {@code memberBytes} uncompressed (tests use small members). */
    public ArchiveSegmentWriter(int memberBytes) {
        if (memberBytes < TAR_RECORD) {
            throw new IllegalArgumentException("members hold at least one tar record: " + memberBytes);
        }
        this.memberBytes = memberBytes;
    }

    /**
     * Packs {@code resultsFiles} (in sequence order) into {@code data} and writes the index to {@code index}.
     * Both files are created or replaced; neither is fsync'ed: making them durable is the store's job
     * ({@link ArchiveStore#store}).
     *
     * @return the segment's name and sizes
     * @throws IllegalArgumentException if the files are not a gap-free run of well-formed results files
     */
    public Written write(List<Path> resultsFiles, Path data, Path index) throws IOException {
        if (resultsFiles.isEmpty()) {
            throw new IllegalArgumentException("a segment holds at least one results file");
        }
        SegmentIndex.Builder builder = new SegmentIndex.Builder();
        MemberOutputStream members;
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(data), 1 << 16)) {
            members = new MemberOutputStream(file);
            TarArchiveOutputStream tar = new TarArchiveOutputStream(members, TAR_RECORD);
            for (Path resultsFile : resultsFiles) {
                String name = resultsFile.getFileName().toString();
                ResultsFileName fileName = ResultsFileName.parse(name)
                        .orElseThrow(() -> new IllegalArgumentException("not a results file name: " + resultsFile));
                byte[] content = Files.readAllBytes(resultsFile);
                builder.addFile(fileName, productIds(content, fileName, resultsFile));
                TarArchiveEntry entry = new TarArchiveEntry(name);
                entry.setSize(content.length);
                entry.setMode(FILE_MODE);
                entry.setLastModifiedTime(FileTime.from(TimeUnit.NANOSECONDS.toSeconds(fileName.firstTimestampNanos()),
                                                        TimeUnit.SECONDS));
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
                // The entry is padded to whole records, so every byte of it has reached the member by now.
                if (members.memberPosition() >= memberBytes && resultsFile != resultsFiles.getLast()) {
                    members.endMember(builder);
                }
            }
            tar.finish();
            members.endMember(builder);
        }
        SegmentName name = new SegmentName(builder.firstSequence(), firstTimestamp(resultsFiles), builder.recordCount());
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(index), 1 << 16)) {
            builder.writeTo(out, members.written(), members.crc());
        }
        return new Written(name, builder.fileCount(), members.written(), Files.size(index));
    }

    private static long firstTimestamp(List<Path> resultsFiles) {
        return ResultsFileName.parse(resultsFiles.getFirst().getFileName().toString()).orElseThrow().firstTimestampNanos();
    }

    /**
     * The file's distinct product ids, after checking that it is the complete file its name promises: read by
     * {@link ResultsFileFormat#summarize} (the layout the service writes), else by a full decode.
     */
    private static Set<String> productIds(byte[] content, ResultsFileName fileName, Path file) {
        ResultsFileFormat.Summary summary = ResultsFileFormat.summarize(content).orElse(null);
        if (summary != null) {
            if (summary.productIds().size() != fileName.recordCount()
                || summary.firstTimestampNanos() != fileName.firstTimestampNanos()) {
                throw new IllegalArgumentException(file + " holds " + summary.productIds().size() + " records from "
                                                   + summary.firstTimestampNanos() + ", its name says otherwise");
            }
            return new LinkedHashSet<>(summary.productIds());
        }
        List<PriceRecord> records;
        try {
            records = ResultsFileFormat.decode(content, fileName.firstSequence());
        } catch (ResultsFileFormat.MalformedResultsFileException e) {
            throw new IllegalArgumentException("not a complete results file: " + file + ": " + e.getMessage(), e);
        }
        if (records.size() != fileName.recordCount() || records.getFirst().timestampNanos() != fileName.firstTimestampNanos()) {
            throw new IllegalArgumentException(file + " holds " + records.size() + " records from "
                                               + records.getFirst().timestampNanos() + ", its name says otherwise");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (PriceRecord record : records) {
            ids.add(record.productId());
        }
        return ids;
    }

    /** What was written. */
    public record Written(SegmentName name, int fileCount, long dataBytes, long indexBytes) {
    }

    /**
     * The segment file as a sequence of gzip members: bytes go into the current member, opened on the first byte
     * after the previous one ended. Counts the segment's length and CRC-32C as they are written.
     */
    private static final class MemberOutputStream extends FilterOutputStream {

        private final CRC32C crc = new CRC32C();
        private long written;
        private long memberStart;
        private GZIPOutputStream member;
        private int memberPosition;

        MemberOutputStream(OutputStream out) {
            super(out);
        }

        /** Uncompressed bytes in the current member so far. */
        int memberPosition() {
            return memberPosition;
        }

        long written() {
            return written;
        }

        int crc() {
            return (int) crc.getValue();
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (member == null) {
                member = new GZIPOutputStream(new CountingCompressed(), 1 << 16) {
                    {
                        def.setLevel(COMPRESSION_LEVEL);
                        def.setStrategy(Deflater.FILTERED);
                    }
                };
            }
            member.write(bytes, offset, length);
            memberPosition += length;
        }

        /** Ends the current member, if any bytes went into it. */
        void endMember(SegmentIndex.Builder index) throws IOException {
            if (member == null) {
                return;
            }
            member.close(); // finishes the member and frees its Deflater; CountingCompressed ignores the close
            index.addMember(memberStart, Math.toIntExact(written - memberStart));
            member = null;
            memberStart = written;
            memberPosition = 0;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {
            // The caller closes the file; the members are ended explicitly.
        }

        /** Where a member's compressed bytes go: the file, counted and checksummed. */
        private final class CountingCompressed extends OutputStream {

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
                crc.update(bytes, offset, length);
                written += length;
            }

            @Override
            public void close() {
                // finish() never closes it; the file is closed by write().
            }
        }
    }
}
