package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.results.ResultsFileName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The archived part of the history, answered from the segments' {@code .idx} files instead of an in-memory index
 * (docs/archive.md, "How a query reads the archive"): the first record at or after an instant, a run of records by
 * sequence, one product's records, and the results files for the export. Each call works on one list of segments
 * the caller read once from {@link Archive#segments()}, so that it sees one consistent archive while the mover adds
 * segments and history retention deletes them.
 *
 * <p>Memory: the {@link Archive}'s per-segment facts, and a bounded cache of how many records a product has in a
 * segment ({@link #COUNTED}), so that a deep page of one product skips whole segments without reading them again.
 * Nothing here grows with the archived records.
 */
public final class ArchivedHistory {

    /** (segment, product) record counts kept: some 100 bytes each, so about 2 MiB at most. */
    static final int COUNTED = 16_384;

    private final Archive archive;
    private final Map<Counted, Integer> productCounts = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Counted, Integer> eldest) {
            return size() > COUNTED;
        }
    };

    private record Counted(long segmentFirstSequence, String productId) {
    }

    public ArchivedHistory(Archive archive) {
        this.archive = archive;
    }

    /** The archive's last sequence according to {@code segments} (read from {@link Archive#segments()}). */
    public long lastSequence(List<SegmentName> segments) {
        return segments.isEmpty() ? archive.firstSequence() - 1 : segments.getLast().lastSequence();
    }

    /**
     * The sequence of the first archived record at or after {@code timestampNanos}, or the last one + 1 if there
     * is none: a binary search over the segments' first timestamps (in memory), then over the member table of one
     * segment's {@code .idx}, one member inflated and one file decoded.
     */
    public long firstAtOrAfter(List<SegmentName> segments, long timestampNanos) throws IOException {
        int segment = lastStartingAtOrBefore(segments, timestampNanos);
        if (segment < 0) {
            return segments.isEmpty() ? lastSequence(segments) + 1 : segments.getFirst().firstSequence();
        }
        return archive.read(segments.get(segment), reader -> reader.firstSequenceAtOrAfter(timestampNanos));
    }

    /** The timestamp of the last archived record of {@code segments}, which must not be empty. */
    public long lastTimestampNanos(List<SegmentName> segments) throws IOException {
        return archive.facts(segments.getLast()).lastTimestampNanos();
    }

    /** Records {@code first} to {@code last} (inclusive, all archived), in order: each results file decoded once. */
    public List<PriceRecord> records(List<SegmentName> segments, long first, long last) throws IOException {
        List<PriceRecord> records = new ArrayList<>((int) Math.max(0, last - first + 1));
        long next = first;
        while (next <= last) {
            SegmentName segment = segments.get(holding(segments, next));
            long from = next;
            next = archive.read(segment, reader -> {
                long sequence = from;
                int files = reader.index().fileCount();
                for (int file = reader.fileOrdinalOf(sequence); file < files && sequence <= last; file++) {
                    for (PriceRecord record : reader.records(file)) {
                        if (record.sequence() >= sequence && record.sequence() <= last) {
                            records.add(record);
                        }
                    }
                    sequence = reader.records(file).getLast().sequence() + 1;
                }
                return sequence;
            });
        }
        return records;
    }

    /**
     * One product's archived records with from ≤ timestamp < to, after skipping {@code offset} of them: at most
     * {@code wanted}. Walks only the segments overlapping [from, to), in order; in each, the {@code .idx} postings
     * name the files that hold the product (none: the segment costs a few small reads), and only those are read.
     * A segment wholly inside the range whose count is known is skipped without reading it if the product has
     * none there or the offset covers them. Stops once {@code wanted} records are found.
     *
     * @return the records, and how much of the offset is left for the records after the archive
     */
    public ProductPage productRecords(List<SegmentName> segments, String productId, long fromNanos, long toNanos,
                                      long offset, int wanted) throws IOException {
        List<PriceRecord> found = new ArrayList<>();
        long skip = offset;
        for (int i = Math.max(0, lastStartingAtOrBefore(segments, fromNanos)); i < segments.size(); i++) {
            SegmentName segment = segments.get(i);
            if (segment.firstTimestampNanos() >= toNanos || found.size() >= wanted) {
                break;
            }
            // Every record of the segment is before the next segment's first (timestamps increase with sequences).
            long end = i + 1 < segments.size() ? segments.get(i + 1).firstTimestampNanos()
                       : archive.facts(segment).lastTimestampNanos() + 1;
            boolean whole = segment.firstTimestampNanos() >= fromNanos && end <= toNanos;
            Counted key = new Counted(segment.firstSequence(), productId);
            if (whole) {
                Integer count = counted(key);
                if (count != null && (count == 0 || count <= skip)) { // nothing to find, or all of it skipped
                    skip -= count;
                    continue;
                }
            }
            List<PriceRecord> records = archive.read(segment, reader -> reader.productRecords(productId));
            if (whole) {
                synchronized (productCounts) {
                    productCounts.put(key, records.size());
                }
            }
            for (PriceRecord record : records) {
                if (record.timestampNanos() < fromNanos || record.timestampNanos() >= toNanos) {
                    continue;
                }
                if (skip > 0) {
                    skip--;
                } else if (found.size() < wanted) {
                    found.add(record);
                }
            }
        }
        return new ProductPage(found, skip);
    }

    /**
     * @param records    the product's records found, at most the number wanted
     * @param offsetLeft the part of the offset the archived records did not use up
     */
    public record ProductPage(List<PriceRecord> records, long offsetLeft) {
    }

    private Integer counted(Counted key) {
        synchronized (productCounts) {
            return productCounts.get(key);
        }
    }

    /**
     * The archived results files that start after sequence {@code after}, in order, as a view: its size comes from
     * the segments' index headers (read once each), and each name from the member holding it (sequential reads
     * inflate each member once). A file that cannot be read throws an {@link UncheckedIOException}.
     */
    public List<ResultsFileName> filesAfter(List<SegmentName> segments, long after) throws IOException {
        int first = 0;
        while (first < segments.size() && segments.get(first).lastSequence() <= after) {
            first++;
        }
        if (first == segments.size()) {
            return List.of();
        }
        List<SegmentName> kept = segments.subList(first, segments.size());
        SegmentName head = kept.getFirst();
        int skipped = head.firstSequence() > after ? 0 : archive.read(head, reader -> {
            int file = reader.fileOrdinalOf(after + 1);
            return reader.fileName(file).firstSequence() > after ? file : file + 1;
        });
        long[] ends = new long[kept.size()]; // files up to and including each segment, from the first kept
        long total = -skipped;
        for (int i = 0; i < kept.size(); i++) {
            total += archive.facts(kept.get(i)).fileCount();
            ends[i] = total;
        }
        int size = Math.toIntExact(total);
        return new AbstractList<>() {
            @Override
            public ResultsFileName get(int i) {
                java.util.Objects.checkIndex(i, size);
                int segment = upperBound(ends, i);
                int ordinal = (int) (i - (segment == 0 ? -skipped : ends[segment - 1]));
                try {
                    return archive.read(kept.get(segment), reader -> reader.fileName(ordinal));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /** The first index whose value is above {@code i}. */
    private static int upperBound(long[] ends, long i) {
        int low = 0;
        int high = ends.length - 1;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (ends[middle] <= i) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** The last segment whose first record is at or before the instant; -1 if none. */
    private static int lastStartingAtOrBefore(List<SegmentName> segments, long timestampNanos) {
        return lastWhere(segments, SegmentName::firstTimestampNanos, timestampNanos);
    }

    /** The segment holding {@code sequence}, which lies in one of them. */
    private static int holding(List<SegmentName> segments, long sequence) {
        return Math.max(0, lastWhere(segments, SegmentName::firstSequence, sequence));
    }

    /** The last segment whose key (ascending over the segments) is at or below {@code value}; -1 if none. */
    private static int lastWhere(List<SegmentName> segments, java.util.function.ToLongFunction<SegmentName> key,
                                 long value) {
        int low = -1;
        int high = segments.size() - 1;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (key.applyAsLong(segments.get(middle)) <= value) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        return low;
    }
}
