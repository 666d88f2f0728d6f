package com.repricer.storage.archive;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where sealed archive segments live: a local directory ({@link LocalArchiveStore}) or an Azure Blob container
 * ({@link AzureBlobArchiveStore}). A segment is two parts, its data ({@link SegmentName#dataName()}) and its
 * index ({@link SegmentName#indexName()}); the index is stored first and the data last, so a stored data part is
 * the commit point: {@link #list()} names a segment only once both parts are durable.
 *
 * <p>Every failure is an {@link IOException} (the store unreachable, a disk error, a read-back that does not
 * match): a method that returns normally did what it says.
 */
public interface ArchiveStore extends Closeable {

    /**
     * Stores the segment {@code name} from the files {@code data} and {@code index} (left in place) and returns
     * only once both parts are durable: only then may the caller delete the loose results files they hold.
     * Storing the same segment again replaces it (a retry after a failure).
     */
    void store(SegmentName name, Path data, Path index) throws IOException;

    /** The stored segments, in sequence order. Reads names only, never a segment. */
    List<SegmentName> list() throws IOException;

    /**
     * The stored segments with the bytes their two parts take, in sequence order: a start's one look at the
     * archive. A store whose listing gives the sizes (Azure Blob) answers from it, without a request per part.
     */
    default List<Stored> listWithSizes() throws IOException {
        List<Stored> stored = new ArrayList<>();
        for (SegmentName segment : list()) {
            stored.add(new Stored(segment, partSize(segment.dataName()) + partSize(segment.indexName())));
        }
        return stored;
    }

    /** A stored segment and the bytes its data and index take. */
    record Stored(SegmentName segment, long bytes) {
    }

    /** The data part of a stored segment, for positional reads. */
    default ByteSource openData(SegmentName name) throws IOException {
        return openPart(name.dataName());
    }

    /** The index part of a stored segment, for positional reads. */
    default ByteSource openIndex(SegmentName name) throws IOException {
        return openPart(name.indexName());
    }

    /**
     * The stored part called {@code partName}, for positional reads.
     *
     * @throws java.nio.file.NoSuchFileException if there is none
     */
    ByteSource openPart(String partName) throws IOException;

    /** The length in bytes of the stored part called {@code partName}. */
    default long partSize(String partName) throws IOException {
        try (ByteSource part = openPart(partName)) {
            return part.size();
        }
    }

    /** Deletes the segment (data first: it stops being listed at once, then its index). Missing parts are fine. */
    void delete(SegmentName name) throws IOException;

    /** Where the store is, for logs: a directory or a container's URL. */
    String describe();

    /** A reader of a stored segment, its decoded files kept in {@code cache}. */
    default ArchiveSegmentReader open(SegmentName name, DecodedFileCache cache) throws IOException {
        ByteSource index = openIndex(name);
        ByteSource data;
        try {
            data = openData(name);
        } catch (IOException | RuntimeException e) {
            index.close();
            throw e;
        }
        return ArchiveSegmentReader.open(name, data, index, cache);
    }

    @Override
    default void close() throws IOException {
    }
}
