package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.results.FileTable;
import com.repricer.storage.results.ResultsFileName;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The archived part of the history: the segments of an {@link ArchiveStore}, which together hold the results files
 * of sequences {@link #firstSequence()} (1, unless history retention deleted the oldest segments) to
 * {@link #lastSequence()} without a gap; {@code results/} holds the files after it. Reads a
 * results file, its records or its bytes, from the segment that holds it; a few segment readers are kept open
 * (least recently used first out) and their decoded files share one bounded {@link DecodedFileCache}, so memory does
 * not grow with the number of segments.
 *
 * <p>{@link #load} reads the store's listing (names only) at start; the {@link ArchiveMover} adds each segment it
 * has stored. Any thread may read.
 */
public final class Archive implements Closeable {

    private static final Logger LOG = Logger.getLogger(Archive.class.getName());
    /** Segment readers kept open: two file descriptors each in a local store. */
    private static final int OPEN_SEGMENTS = 64;
    /** Decoded files kept, shared by all segments: about 10 records each, so a few MiB. */
    private static final int CACHED_FILES = 4096;
    /** How long one Azure operation may take, retries included (the upload of a whole segment too). */
    private static final Duration AZURE_TIMEOUT = Duration.ofMinutes(2);

    private final ArchiveStore store;
    private final DecodedFileCache cache = new DecodedFileCache(CACHED_FILES);
    /**
     * In sequence order, without gaps from {@link #firstSequence}; replaced whole (copy on write, under this
     * object's lock) when a segment is added or the oldest are deleted.
     */
    private volatile List<SegmentName> segments = List.of();
    /** Where the history starts: 1, or the first sequence after the segments history retention deleted. */
    private volatile long firstSequence = 1;
    /** Listed segments before {@link #firstSequence}: a deletion that a crash or a failure interrupted. */
    private volatile List<SegmentName> leftovers = List.of();
    /**
     * What each segment's index header says and its last record's timestamp, read once on demand: a few dozen
     * bytes a segment (the segment list's own size), never a record's worth.
     */
    private final Map<Long, SegmentFacts> facts = new java.util.concurrent.ConcurrentHashMap<>();
    /** Both parts of every segment, in bytes. */
    private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
    private final Map<Long, OpenSegment> open = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, OpenSegment> eldest) {
            if (size() <= OPEN_SEGMENTS) {
                return false;
            }
            eldest.getValue().retire();
            return true;
        }
    };

    public Archive(ArchiveStore store) {
        this.store = store;
    }

    /**
     * The archive {@code config} names: Azure Blob Storage if configured (not contacted until {@link #load}), else
     * the local directory, whose leftovers of an interrupted store are removed now.
     */
    public static Archive open(ArchiveConfig config, StorageFiles files) throws IOException {
        if (config.azure().isPresent()) {
            ArchiveConfig.Azure azure = config.azure().get();
            return new Archive(LocalIndexCopies.open(AzureBlobArchiveStore.connect(azure.connectionString(),
                                                                                   azure.container(), AZURE_TIMEOUT),
                                                     config.directory(), azure.indexCopyBytes()));
        }
        return new Archive(LocalArchiveStore.open(config.directory(), files));
    }

    public ArchiveStore store() {
        return store;
    }

    /** Reads the store's segments, of a history that starts at sequence 1. */
    public void load() throws IOException {
        load(1);
    }

    /**
     * Reads the store's segments, of a history that starts at {@code historyStart} (history retention deleted the
     * records before it). Segments wholly before it are what an interrupted deletion left: they are not part of
     * the history any more and are handed to {@link HistoryRetention} through {@link #leftovers()}.
     *
     * @throws IllegalStateException if the segments from {@code historyStart} on do not run without a gap from it:
     *                               records would be missing
     */
    public synchronized void load(long historyStart) throws IOException {
        List<ArchiveStore.Stored> all = store.listWithSizes();
        List<SegmentName> listed = all.stream().map(ArchiveStore.Stored::segment)
                                      .filter(segment -> segment.lastSequence() >= historyStart).toList();
        leftovers = all.stream().map(ArchiveStore.Stored::segment)
                       .filter(segment -> segment.lastSequence() < historyStart).toList();
        long expected = historyStart;
        for (SegmentName segment : listed) {
            if (segment.firstSequence() != expected) {
                throw new IllegalStateException("The archive " + store.describe() + " is missing records " + expected
                                                + " to " + (segment.firstSequence() - 1) + " before segment "
                                                + segment + " (or its segments overlap); cannot tell which is right");
            }
            expected = segment.lastSequence() + 1;
        }
        long stored = all.stream().filter(part -> part.segment().lastSequence() >= historyStart)
                         .mapToLong(ArchiveStore.Stored::bytes).sum();
        segments = List.copyOf(listed);
        firstSequence = historyStart;
        bytes.set(stored);
    }

    /** Where the history starts: 1, or the first sequence that history retention kept. */
    public long firstSequence() {
        return firstSequence;
    }

    /** Segments before the history's start still in the store, to be deleted. */
    List<SegmentName> leftovers() {
        return leftovers;
    }

    /** The leftovers are deleted from the store. */
    synchronized void leftoversDeleted(List<SegmentName> deleted) {
        List<SegmentName> remaining = new ArrayList<>(leftovers);
        remaining.removeAll(deleted);
        leftovers = List.copyOf(remaining);
    }

    /**
     * The history now starts at {@code historyStart}, the first sequence of a segment or the one after the last:
     * the segments before it leave the archive (reads of them fail from now on) and become {@link #leftovers()}
     * until {@link HistoryRetention} has deleted them from the store.
     *
     * @param removedBytes the size of both parts of the segments removed
     */
    synchronized void startAt(long historyStart, long removedBytes) {
        List<SegmentName> now = segments;
        List<SegmentName> removed = now.stream().filter(s -> s.lastSequence() < historyStart).toList();
        List<SegmentName> kept = now.subList(removed.size(), now.size());
        if (!kept.isEmpty() && kept.getFirst().firstSequence() != historyStart
            || kept.isEmpty() && historyStart != lastSequence() + 1) {
            throw new IllegalArgumentException("history cannot start at " + historyStart + " inside a segment");
        }
        firstSequence = historyStart;
        segments = List.copyOf(kept);
        List<SegmentName> pending = new ArrayList<>(leftovers);
        pending.addAll(removed);
        leftovers = List.copyOf(pending);
        bytes.addAndGet(-removedBytes);
        removed.forEach(segment -> facts.remove(segment.firstSequence()));
        synchronized (open) {
            for (SegmentName segment : removed) {
                OpenSegment reader = open.remove(segment.firstSequence());
                if (reader != null) {
                    reader.retire(); // closed once its readers are done (a local file stays readable until then)
                }
            }
        }
    }

    /** The size of every segment's two parts together, in bytes. */
    public long bytes() {
        return bytes.get();
    }

    /** The stored segments, in sequence order. */
    public List<SegmentName> segments() {
        return segments;
    }

    /**
     * The last archived sequence; {@link #firstSequence()} − 1 if no segment is kept (0 if nothing was ever
     * archived).
     */
    public long lastSequence() {
        List<SegmentName> now = segments;
        return now.isEmpty() ? firstSequence - 1 : now.getLast().lastSequence();
    }

    /** Whether {@code file} is in a segment (else it is loose in {@code results/}). */
    public boolean holds(ResultsFileName file) {
        return file.lastSequence() <= lastSequence();
    }

    /** Called once {@code segment}, the next one after {@link #lastSequence()}, is durable in the store. */
    synchronized void added(SegmentName segment, long segmentBytes) {
        if (segment.firstSequence() != lastSequence() + 1) {
            throw new IllegalStateException("segment " + segment + " does not follow the archive's last sequence "
                                            + lastSequence());
        }
        List<SegmentName> next = new ArrayList<>(segments);
        next.add(segment);
        segments = List.copyOf(next);
        bytes.addAndGet(segmentBytes);
    }

    /** A segment's results file count (from its index header) and last record's timestamp. */
    public record SegmentFacts(int fileCount, long lastTimestampNanos) {
    }

    /**
     * The segment's file count and last timestamp: the first call reads its index header and its last results
     * file, later ones are answered from memory.
     */
    public SegmentFacts facts(SegmentName segment) throws IOException {
        SegmentFacts known = facts.get(segment.firstSequence());
        if (known != null) {
            return known;
        }
        SegmentFacts read = read(segment, reader -> new SegmentFacts(
                reader.index().fileCount(), reader.record(segment.lastSequence()).timestampNanos()));
        facts.put(segment.firstSequence(), read);
        return read;
    }

    /** Something read from a segment's reader. */
    @FunctionalInterface
    interface SegmentRead<T> {
        T from(ArchiveSegmentReader reader) throws IOException;
    }

    /** Reads from {@code segment} through one of the open readers (opened if needed). */
    <T> T read(SegmentName segment, SegmentRead<T> read) throws IOException {
        OpenSegment open = acquire(segment);
        try {
            return read.from(open.reader);
        } finally {
            release(open);
        }
    }

    /** The records of an archived results file. */
    public List<PriceRecord> records(ResultsFileName file) throws IOException {
        OpenSegment segment = acquire(segmentHolding(file));
        try {
            List<PriceRecord> records = segment.reader.records(segment.reader.fileOrdinalOf(file.firstSequence()));
            if (records.getFirst().sequence() != file.firstSequence() || records.size() != file.recordCount()) {
                throw new CorruptSegmentException("Segment " + segment.reader.name().dataName() + " does not hold "
                                                  + file + " whole");
            }
            return records;
        } finally {
            release(segment);
        }
    }

    /** The bytes an archived results file had in {@code results/}. */
    public byte[] bytes(ResultsFileName file) throws IOException {
        OpenSegment segment = acquire(segmentHolding(file));
        try {
            int ordinal = segment.reader.fileOrdinalOf(file.firstSequence());
            ResultsFileName found = segment.reader.fileName(ordinal);
            if (!found.equals(file)) {
                throw new CorruptSegmentException("Segment " + segment.reader.name().dataName() + " holds " + found
                                                  + " where " + file + " was archived");
            }
            return segment.reader.fileBytes(ordinal);
        } finally {
            release(segment);
        }
    }

    /**
     * Hands the records of every archived file after sequence {@code after} to {@code replay}, file by file, in
     * order (recovery without, or beyond, an index snapshot).
     *
     * @param after a sequence that ends a results file (0: all)
     * @return the last record replayed, if any
     */
    public Optional<PriceRecord> replayAfter(long after, Consumer<List<PriceRecord>> replay) throws IOException {
        PriceRecord last = null;
        long expected = after + 1;
        for (SegmentName name : segments) {
            if (name.lastSequence() < expected) {
                continue;
            }
            OpenSegment segment = acquire(name);
            try {
                ArchiveSegmentReader reader = segment.reader;
                int files = reader.index().fileCount();
                for (int ordinal = reader.fileOrdinalOf(expected); ordinal < files; ordinal++) {
                    List<PriceRecord> records = reader.records(ordinal);
                    if (records.getFirst().sequence() != expected) {
                        throw new CorruptSegmentException("Segment " + name.dataName() + ": expected a results file"
                                                          + " starting at sequence " + expected + ", found one at "
                                                          + records.getFirst().sequence());
                    }
                    replay.accept(records);
                    last = records.getLast();
                    expected = last.sequence() + 1;
                }
            } finally {
                release(segment);
            }
        }
        return Optional.ofNullable(last);
    }

    /**
     * The listing an index snapshot is checked against when part of the history is archived: the files the
     * restored snapshot names up to the archive's end (reading their names from the segments would inflate every
     * segment), followed by {@code loose}. Only if every segment starts on a file boundary of the snapshot, at that
     * file's first timestamp, and the archive ends on one or after the snapshot; else empty, with the reason
     * logged.
     *
     * @param restored the file table the index snapshot restored
     * @param loose    the files in {@code results/}, in sequence order
     */
    public Optional<List<ResultsFileName>> listingFor(FileTable restored, List<ResultsFileName> loose) {
        List<SegmentName> now = segments;
        if (now.isEmpty()) {
            return Optional.of(loose);
        }
        long archiveLast = now.getLast().lastSequence();
        long restoredFiles = restored.count();
        long firstFile = restored.firstFile();
        // The snapshot covers the index, which starts after the archive as it was when the snapshot was written:
        // the segments before it are not in the snapshot (nor is anything of them needed from it).
        long tableFirst = restored.firstSequence();
        int next = 0;
        while (next < now.size() && now.get(next).lastSequence() < tableFirst) {
            next++;
        }
        if (next < now.size() && now.get(next).firstSequence() < tableFirst) {
            return mismatch("it starts at record " + tableFirst + ", inside segment " + now.get(next));
        }
        long archivedFiles = firstFile;
        long coveredThrough = tableFirst - 1;
        for (; archivedFiles < restoredFiles; archivedFiles++) {
            ResultsFileName file = restored.file(archivedFiles);
            if (file.firstSequence() > archiveLast) {
                break;
            }
            if (next < now.size() && now.get(next).firstSequence() < file.firstSequence()) {
                return mismatch("segment " + now.get(next) + " starts inside a results file");
            }
            if (next < now.size() && now.get(next).firstSequence() == file.firstSequence()) {
                if (now.get(next).firstTimestampNanos() != file.firstTimestampNanos()) {
                    return mismatch("segment " + now.get(next) + " starts at another time than record "
                                    + file.firstSequence());
                }
                next++;
            }
            coveredThrough = file.lastSequence();
        }
        boolean endsOnAFile = coveredThrough == archiveLast || archivedFiles == restoredFiles;
        if (!endsOnAFile) {
            return mismatch("the archive ends inside a results file (at sequence " + archiveLast + ")");
        }
        int archived = Math.toIntExact(archivedFiles - firstFile);
        return Optional.of(new AbstractList<>() {
            @Override
            public ResultsFileName get(int i) {
                return i < archived ? restored.file(firstFile + i) : loose.get(i - archived);
            }

            @Override
            public int size() {
                return archived + loose.size();
            }
        });
    }

    private static Optional<List<ResultsFileName>> mismatch(String why) {
        LOG.warning("Ignoring the index snapshot: it does not match the archive (" + why + ")");
        return Optional.empty();
    }

    /** The archive segment that holds {@code file}, for a message. */
    public String whereIs(ResultsFileName file) {
        try {
            return "segment " + segmentHolding(file).dataName() + " of the archive " + store.describe();
        } catch (IOException e) {
            return "the archive " + store.describe();
        }
    }

    private SegmentName segmentHolding(ResultsFileName file) throws IOException {
        List<SegmentName> now = segments;
        int low = 0;
        int high = now.size() - 1;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (now.get(middle).firstSequence() <= file.firstSequence()) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        if (now.isEmpty() || now.get(low).firstSequence() > file.firstSequence()
            || now.get(low).lastSequence() < file.lastSequence()) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "not in the archive " + store.describe());
        }
        return now.get(low);
    }

    private OpenSegment acquire(SegmentName name) throws IOException {
        synchronized (open) {
            OpenSegment segment = open.get(name.firstSequence());
            if (segment == null) {
                segment = new OpenSegment(store.open(name, cache));
                open.put(name.firstSequence(), segment);
            }
            segment.users++;
            return segment;
        }
    }

    private void release(OpenSegment segment) {
        synchronized (open) {
            segment.users--;
            if (segment.retired && segment.users == 0) {
                segment.closeQuietly();
            }
        }
    }

    /** Closes the open segment readers and the store. */
    @Override
    public void close() throws IOException {
        synchronized (open) {
            open.values().forEach(OpenSegment::retire);
            open.clear();
        }
        store.close();
    }

    /** A reader and how many threads are using it; closed once out of the cache and unused. Guarded by {@code open}. */
    private static final class OpenSegment {

        private final ArchiveSegmentReader reader;
        private int users;
        private boolean retired;

        OpenSegment(ArchiveSegmentReader reader) {
            this.reader = reader;
        }

        void retire() {
            retired = true;
            if (users == 0) {
                closeQuietly();
            }
        }

        void closeQuietly() {
            try {
                reader.close();
            } catch (IOException e) {
                LOG.log(Level.FINE, "Closing " + reader.name() + " failed", e);
            }
        }
    }
}
