package com.repricer.storage.archive;

import com.repricer.storage.results.ResultsFileName;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The name of an archive segment, and of its two parts in a store. It reads like a results file name, without
 * the {@code .json}:
 *
 * <pre>
 * 0000000000000000001_20261127T171307.123456789Z_36000.tar.gz   the segment (tar, gzip)
 * 0000000000000000001_20261127T171307.123456789Z_36000.idx      its index
 * └ first sequence ─┘ └ first record, UTC ────┘ └ record count
 * </pre>
 *
 * so that listing a store sorts segments in sequence and time order, and the name alone says which records a
 * segment holds. {@link ResultsFileName} owns the digits and the timestamp; this class adds the suffixes.
 */
public record SegmentName(long firstSequence, long firstTimestampNanos, long recordCount) implements Comparable<SegmentName> {

    public static final String DATA_SUFFIX = ".tar.gz";
    public static final String INDEX_SUFFIX = ".idx";

    public SegmentName {
        if (firstSequence < 1 || recordCount < 1 || recordCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence starts at 1, count at 1 (at most 2^31 - 1): "
                                               + firstSequence + ", " + recordCount);
        }
    }

    /** The segment whose data part is called {@code blobName}, or empty for any other name. */
    public static Optional<SegmentName> parseData(String blobName) {
        return parse(blobName, DATA_SUFFIX);
    }

    /** The segment whose index part is called {@code blobName}, or empty for any other name. */
    public static Optional<SegmentName> parseIndex(String blobName) {
        return parse(blobName, INDEX_SUFFIX);
    }

    private static Optional<SegmentName> parse(String blobName, String suffix) {
        if (!blobName.endsWith(suffix)) {
            return Optional.empty();
        }
        String base = blobName.substring(0, blobName.length() - suffix.length());
        return ResultsFileName.parse(base + ResultsFileName.SUFFIX)
                              .map(n -> new SegmentName(n.firstSequence(), n.firstTimestampNanos(), n.recordCount()));
    }

    /** The segments whose two parts are both among {@code partNames} (a store's listing), in sequence order. */
    public static List<SegmentName> complete(Set<String> partNames) {
        List<SegmentName> segments = new ArrayList<>();
        for (String name : partNames) {
            parseData(name).filter(segment -> partNames.contains(segment.indexName())).ifPresent(segments::add);
        }
        segments.sort(null);
        return segments;
    }

    public long lastSequence() {
        return firstSequence + recordCount - 1;
    }

    /** {@code …_36000.tar.gz}: the tar stream of the results files, as gzip members. */
    public String dataName() {
        return base() + DATA_SUFFIX;
    }

    /** {@code …_36000.idx}: the segment's index ({@link SegmentIndex}). */
    public String indexName() {
        return base() + INDEX_SUFFIX;
    }

    private String base() {
        String asResultsFile = new ResultsFileName(firstSequence, firstTimestampNanos, (int) recordCount).toString();
        return asResultsFile.substring(0, asResultsFile.length() - ResultsFileName.SUFFIX.length());
    }

    @Override
    public int compareTo(SegmentName other) {
        return Long.compare(firstSequence, other.firstSequence);
    }

    @Override
    public String toString() {
        return base();
    }
}
