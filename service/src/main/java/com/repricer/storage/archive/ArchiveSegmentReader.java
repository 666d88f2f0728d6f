package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.results.ResultsFileFormat;
import com.repricer.storage.results.ResultsFileName;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarUtils;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/**
 * Reads one archive segment through its index (formats: {@link ArchiveSegmentWriter}, {@link SegmentIndex}): a
 * results file by inflating the one gzip member that holds it and walking that member's tar headers, a record by
 * sequence, the first record at or after an instant, and one product's records from the files the index names
 * for it. Holds the index header, the last inflated member (sequential reads inflate each member once) and,
 * shared by all segments, a bounded {@link DecodedFileCache}.
 */
public final class ArchiveSegmentReader implements Closeable {

    private static final int VERIFY_CHUNK = 1 << 20;
    /** A ustar header, and the unit entries are padded to: one tar record. */
    private static final int TAR_RECORD = 512;

    private final SegmentName name;
    private final ByteSource data;
    private final SegmentIndex index;
    private final DecodedFileCache cache;
    private volatile InflatedMember lastInflated;

    private ArchiveSegmentReader(SegmentName name, ByteSource data, SegmentIndex index, DecodedFileCache cache) {
        this.name = name;
        this.data = data;
        this.index = index;
        this.cache = cache;
    }

    /**
     * Opens the segment {@code name} from its two parts; takes ownership of both sources (closed by {@link #close}).
     *
     * @throws CorruptSegmentException if the index is damaged, belongs to another segment, or the data part does
     *                                 not have the length the index was written with
     */
    public static ArchiveSegmentReader open(SegmentName name, ByteSource data, ByteSource indexSource,
                                            DecodedFileCache cache) throws IOException {
        try {
            SegmentIndex index = SegmentIndex.open(name.indexName(), indexSource);
            if (index.firstSequence() != name.firstSequence() || index.recordCount() != name.recordCount()) {
                throw new CorruptSegmentException("Index " + name.indexName() + " describes records " + index.firstSequence()
                                                  + ".." + index.lastSequence() + ", not those of its name");
            }
            if (data.size() != index.dataLength()) {
                throw new CorruptSegmentException("Segment " + name.dataName() + " is truncated or has trailing bytes. "
                                                  + "Expected length: " + index.dataLength() + ", actual: " + data.size());
            }
            return new ArchiveSegmentReader(name, data, index, cache);
        } catch (IOException | RuntimeException e) {
            data.close();
            indexSource.close();
            throw e;
        }
    }

    public SegmentName name() {
        return name;
    }

    public SegmentIndex index() {
        return index;
    }

    /** Reads the whole segment and index once and checks both CRC-32Cs (one chunk in memory at a time). */
    public void verify() throws IOException {
        index.verify();
        CRC32C crc = new CRC32C();
        for (long at = 0; at < data.size(); at += VERIFY_CHUNK) {
            crc.update(data.read(at, (int) Math.min(VERIFY_CHUNK, data.size() - at)));
        }
        if ((int) crc.getValue() != index.dataCrc()) {
            throw new CorruptSegmentException("Segment " + name.dataName() + " is damaged: CRC-32C "
                                              + Integer.toHexString((int) crc.getValue()) + ", the index says "
                                              + Integer.toHexString(index.dataCrc()));
        }
    }

    /** The name results file {@code ordinal} (0-based, in sequence order) had in {@code results/}. */
    public ResultsFileName fileName(int ordinal) throws IOException {
        InflatedMember member = inflate(index.memberOfFile(ordinal));
        return member.entries.get(ordinal - member.member.firstFile()).name;
    }

    /** The bytes of results file {@code ordinal}, exactly as they were in {@code results/}. */
    public byte[] fileBytes(int ordinal) throws IOException {
        InflatedMember member = inflate(index.memberOfFile(ordinal));
        Entry entry = member.entries.get(ordinal - member.member.firstFile());
        return Arrays.copyOfRange(member.bytes, entry.contentOffset, entry.contentOffset + entry.size);
    }

    /** The records of results file {@code ordinal}, decoded (from the cache when recently read). */
    public List<PriceRecord> records(int ordinal) throws IOException {
        List<PriceRecord> cached = cache.get(name.firstSequence(), ordinal);
        if (cached != null) {
            return cached;
        }
        InflatedMember member = inflate(index.memberOfFile(ordinal));
        Entry entry = member.entries.get(ordinal - member.member.firstFile());
        List<PriceRecord> records;
        try {
            records = ResultsFileFormat.decode(Arrays.copyOfRange(member.bytes, entry.contentOffset,
                                                                  entry.contentOffset + entry.size),
                                               entry.name.firstSequence());
        } catch (ResultsFileFormat.MalformedResultsFileException e) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ": " + entry.name + " does not parse: "
                                              + e.getMessage(), e);
        }
        if (records.size() != entry.name.recordCount()) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ": " + entry.name + " holds " + records.size()
                                              + " records, its name says " + entry.name.recordCount());
        }
        cache.put(name.firstSequence(), ordinal, records);
        return records;
    }

    /** The ordinal of the results file holding {@code sequence}, which must lie in this segment. */
    public int fileOrdinalOf(long sequence) throws IOException {
        return inflate(index.memberOfSequence(sequence)).fileHolding(sequence);
    }

    /** The record with {@code sequence}, which must lie in this segment. */
    public PriceRecord record(long sequence) throws IOException {
        InflatedMember member = inflate(index.memberOfSequence(sequence));
        int file = member.fileHolding(sequence);
        List<PriceRecord> records = records(file);
        return records.get((int) (sequence - records.getFirst().sequence()));
    }

    /**
     * The sequence of the segment's first record at or after {@code timestampNanos}; {@code lastSequence() + 1}
     * if there is none. A binary search over the member table, one member and one file read.
     */
    public long firstSequenceAtOrAfter(long timestampNanos) throws IOException {
        int memberOrdinal = index.lastMemberStartingAtOrBefore(timestampNanos);
        if (memberOrdinal < 0) {
            return index.firstSequence();
        }
        InflatedMember member = inflate(memberOrdinal);
        int last = 0;
        while (last + 1 < member.entries.size() && member.entries.get(last + 1).name.firstTimestampNanos() <= timestampNanos) {
            last++;
        }
        for (PriceRecord record : records(member.member.firstFile() + last)) {
            if (record.timestampNanos() >= timestampNanos) {
                return record.sequence();
            }
        }
        return member.entries.get(last).name.lastSequence() + 1; // the next file's first, or past the segment
    }

    /**
     * The records of {@code productId} in this segment, in sequence order. Reads only the files the index names
     * for the product (and, rarely, one whose other product shares its key: its records are skipped here).
     */
    public List<PriceRecord> productRecords(String productId) throws IOException {
        List<PriceRecord> found = new ArrayList<>();
        for (int file : index.candidateFiles(productId)) {
            for (PriceRecord record : records(file)) {
                if (record.productId().equals(productId)) {
                    found.add(record);
                }
            }
        }
        return found;
    }

    /** Member {@code ordinal}, inflated and its tar entries located (the last one is kept for the next call). */
    private InflatedMember inflate(int ordinal) throws IOException {
        InflatedMember last = lastInflated;
        if (last != null && last.member.ordinal() == ordinal) {
            return last;
        }
        SegmentIndex.Member member = index.member(ordinal);
        byte[] compressed = data.read(member.offset(), member.length());
        byte[] bytes;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            // ZipException for a bad header, DEFLATE data or CRC-32 in the trailer; EOFException if cut short.
            throw new CorruptSegmentException("Segment " + name.dataName() + ": gzip member " + ordinal + " (offset "
                                              + member.offset() + ", " + member.length() + " bytes) is damaged: " + e, e);
        }
        InflatedMember inflated = new InflatedMember(member, bytes, entries(member, bytes));
        lastInflated = inflated;
        return inflated;
    }

    /**
     * The member's tar entries: as many as the index says, named as results files that follow each other from the
     * member's first record, each with a valid header checksum.
     */
    private List<Entry> entries(SegmentIndex.Member member, byte[] bytes) throws CorruptSegmentException {
        List<Entry> entries = new ArrayList<>(member.fileCount());
        long nextSequence = member.firstRecord();
        int at = 0;
        while (entries.size() < member.fileCount()) {
            String where = "Segment " + name.dataName() + ", gzip member " + member.ordinal() + ", offset " + at + ": ";
            if (bytes.length - at < TAR_RECORD) {
                throw new CorruptSegmentException(where + "expected the tar header of file " + (member.firstFile() + entries.size())
                                                  + ", the member ends after " + bytes.length + " bytes");
            }
            byte[] header = Arrays.copyOfRange(bytes, at, at + TAR_RECORD);
            TarArchiveEntry entry;
            try {
                if (!TarUtils.verifyCheckSum(header)) {
                    throw new CorruptSegmentException(where + "a tar header with a wrong checksum");
                }
                entry = new TarArchiveEntry(header);
            } catch (IllegalArgumentException e) {
                throw new CorruptSegmentException(where + "a damaged tar header: " + e.getMessage(), e);
            }
            ResultsFileName fileName = ResultsFileName.parse(entry.getName()).orElse(null);
            if (fileName == null || fileName.firstSequence() != nextSequence) {
                throw new CorruptSegmentException(where + "expected the results file starting at sequence " + nextSequence
                                                  + ", found the tar entry " + entry.getName());
            }
            int contentOffset = at + TAR_RECORD;
            if (entry.getSize() > bytes.length - contentOffset) {
                throw new CorruptSegmentException(where + entry.getName() + " is truncated. Expected length: "
                                                  + entry.getSize() + ", actual: " + (bytes.length - contentOffset));
            }
            entries.add(new Entry(fileName, contentOffset, (int) entry.getSize()));
            nextSequence = fileName.lastSequence() + 1;
            at = contentOffset + (int) ((entry.getSize() + TAR_RECORD - 1) / TAR_RECORD * TAR_RECORD);
        }
        if (nextSequence != member.firstRecord() + member.recordCount()) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ", gzip member " + member.ordinal() + ": its files end at "
                                              + (nextSequence - 1) + ", the index says " + (member.firstRecord() + member.recordCount() - 1));
        }
        return entries;
    }

    @Override
    public void close() throws IOException {
        try {
            data.close();
        } finally {
            index.close();
        }
    }

    /** A results file in an inflated member: its name and where its bytes are. */
    private record Entry(ResultsFileName name, int contentOffset, int size) {
    }

    private record InflatedMember(SegmentIndex.Member member, byte[] bytes, List<Entry> entries) {

        /** The ordinal of the file holding {@code sequence}, which lies in this member. */
        int fileHolding(long sequence) {
            int low = 0;
            int high = entries.size() - 1;
            while (low < high) {
                int middle = (low + high + 1) >>> 1;
                if (entries.get(middle).name.firstSequence() <= sequence) {
                    low = middle;
                } else {
                    high = middle - 1;
                }
            }
            return member.firstFile() + low;
        }
    }
}
