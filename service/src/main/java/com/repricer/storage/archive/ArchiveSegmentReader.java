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
 * Reads one archive segment through its index (formats: {@link ArchiveSegmentWriter}, {@link SegmentIndex}):
 * a results file by inflating the one gzip member that holds it, a record by sequence, the first record at or
 * after an instant, and one product's records from the files the index names for it. Decoded files are kept in
 * a bounded {@link DecodedFileCache}; nothing else is held but the index header.
 */
public final class ArchiveSegmentReader implements Closeable {

    private static final int VERIFY_CHUNK = 1 << 20;
    /** A ustar header: one tar record. */
    private static final int TAR_RECORD = 512;

    private final SegmentName name;
    private final ByteSource data;
    private final SegmentIndex index;
    private final DecodedFileCache cache;

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

    public ResultsFileName fileName(int ordinal) throws IOException {
        return index.file(ordinal).name();
    }

    /** The bytes of results file {@code ordinal}, exactly as they were in {@code results/}. */
    public byte[] fileBytes(int ordinal) throws IOException {
        SegmentIndex.FileLocation location = index.file(ordinal);
        byte[] member = inflate(location);
        if (location.entryOffset() < 0 || location.entryOffset() >= member.length) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ": the index puts " + location.name()
                                              + " at " + location.entryOffset() + " of member " + location.member()
                                              + ", which has " + member.length + " bytes");
        }
        if (member.length - location.entryOffset() < TAR_RECORD) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ": member " + location.member()
                                              + " ends inside the tar header of " + location.name());
        }
        byte[] header = Arrays.copyOfRange(member, location.entryOffset(), location.entryOffset() + TAR_RECORD);
        String expected = location.name().toString();
        TarArchiveEntry entry;
        try {
            if (!TarUtils.verifyCheckSum(header)) {
                throw new CorruptSegmentException("Segment " + name.dataName() + ": the tar header of " + expected
                                                  + " in member " + location.member() + " has a wrong checksum");
            }
            entry = new TarArchiveEntry(header);
        } catch (IllegalArgumentException e) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ": the tar header of " + expected
                                              + " is damaged: " + e.getMessage(), e);
        }
        if (!entry.getName().equals(expected)) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ": expected the tar entry " + expected
                                              + " in member " + location.member() + " at " + location.entryOffset()
                                              + ", found " + entry.getName());
        }
        int contentStart = location.entryOffset() + TAR_RECORD;
        if (entry.getSize() > member.length - contentStart) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ": " + expected + " is truncated. Expected length: "
                                              + entry.getSize() + ", actual: " + (member.length - contentStart));
        }
        return Arrays.copyOfRange(member, contentStart, contentStart + (int) entry.getSize());
    }

    private byte[] inflate(SegmentIndex.FileLocation location) throws IOException {
        byte[] compressed = data.read(location.memberOffset(), location.memberLength());
        try (GZIPInputStream member = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return member.readAllBytes();
        } catch (IOException e) {
            // ZipException for a bad header, DEFLATE data or CRC-32 in the trailer; EOFException if cut short.
            throw new CorruptSegmentException("Segment " + name.dataName() + ": gzip member " + location.member()
                                              + " (offset " + location.memberOffset() + ", " + location.memberLength()
                                              + " bytes) is damaged: " + e, e);
        }
    }

    /** The records of results file {@code ordinal}, decoded (from the cache when recently read). */
    public List<PriceRecord> records(int ordinal) throws IOException {
        List<PriceRecord> cached = cache.get(name.firstSequence(), ordinal);
        if (cached != null) {
            return cached;
        }
        ResultsFileName fileName = fileName(ordinal);
        List<PriceRecord> records;
        try {
            records = ResultsFileFormat.decode(fileBytes(ordinal), fileName.firstSequence());
        } catch (ResultsFileFormat.MalformedResultsFileException e) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ": " + fileName + " does not parse: " + e.getMessage(), e);
        }
        if (records.size() != fileName.recordCount()) {
            throw new CorruptSegmentException("Segment " + name.dataName() + ": " + fileName + " holds " + records.size()
                                              + " records, its name says " + fileName.recordCount());
        }
        cache.put(name.firstSequence(), ordinal, records);
        return records;
    }

    /** The record with {@code sequence}, which must lie in this segment. */
    public PriceRecord record(long sequence) throws IOException {
        int file = index.fileOfSequence(sequence);
        List<PriceRecord> records = records(file);
        return records.get((int) (sequence - records.getFirst().sequence()));
    }

    /**
     * The sequence of the segment's first record at or after {@code timestampNanos}; {@code lastSequence() + 1}
     * if there is none. Two binary searches over the file table and one file read.
     */
    public long firstSequenceAtOrAfter(long timestampNanos) throws IOException {
        int file = index.lastFileStartingAtOrBefore(timestampNanos);
        if (file < 0) {
            return index.firstSequence();
        }
        for (PriceRecord record : records(file)) {
            if (record.timestampNanos() >= timestampNanos) {
                return record.sequence();
            }
        }
        return file + 1 < index.fileCount() ? fileName(file + 1).firstSequence() : index.lastSequence() + 1;
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

    @Override
    public void close() throws IOException {
        try {
            data.close();
        } finally {
            index.close();
        }
    }
}
