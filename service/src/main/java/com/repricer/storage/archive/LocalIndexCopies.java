package com.repricer.storage.archive;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A remote store (Azure Blob) with local copies of its segments' index parts ({@code .idx}, about 3 B a record) in
 * a directory of the pod's disk, at most {@code budgetBytes} of them, the least recently used deleted first. A query
 * reads a segment's index many times (a header, then table entries, one ranged download each when remote) and the
 * data part once per member; with the copies the index reads are local and a remote query costs one ranged download
 * per member it inflates (docs/archive.md, "Azure Blob Storage").
 *
 * <p>A copy is made when the segment is stored (from the staged file, which is local anyway) or on its first use
 * (one download of the whole part). It is written to a temporary file, fsync'ed and renamed, so a copy that exists
 * is whole; a missing one is simply downloaded again. The copies are a cache: the blob store stays the truth, and
 * the directory can be emptied at any time while the service is stopped.
 */
final class LocalIndexCopies implements ArchiveStore {

    private static final String TEMPORARY_SUFFIX = ".tmp";

    private final ArchiveStore remote;
    private final Path directory;
    private final long budgetBytes;
    /** Copy name → its size, least recently used first. Guarded by {@code this}. */
    private final LinkedHashMap<String, Long> copies = new LinkedHashMap<>(16, 0.75f, true);
    private long heldBytes;

    private LocalIndexCopies(ArchiveStore remote, Path directory, long budgetBytes) {
        this.remote = remote;
        this.directory = directory;
        this.budgetBytes = budgetBytes;
    }

    /**
     * Local copies in {@code directory} (created if missing) of {@code remote}'s index parts. The copies already
     * there are kept, oldest-modified first in the eviction order; temporary files of an interrupted copy are
     * deleted.
     */
    static LocalIndexCopies open(ArchiveStore remote, Path directory, long budgetBytes) throws IOException {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("the budget for index copies is at least 0 bytes: " + budgetBytes);
        }
        Files.createDirectories(directory);
        LocalIndexCopies store = new LocalIndexCopies(remote, directory, budgetBytes);
        try (Stream<Path> entries = Files.list(directory)) {
            List<Path> found = entries.toList();
            for (Path entry : found) {
                if (entry.getFileName().toString().endsWith(TEMPORARY_SUFFIX)) {
                    Files.deleteIfExists(entry);
                }
            }
            found.stream().filter(entry -> SegmentName.parseIndex(entry.getFileName().toString()).isPresent())
                 .sorted(Comparator.comparing(LocalIndexCopies::modified))
                 .forEach(copy -> store.held(copy.getFileName().toString(), size(copy)));
        }
        store.evict();
        return store;
    }

    @Override
    public void store(SegmentName name, Path data, Path index) throws IOException {
        remote.store(name, data, index);
        keep(name.indexName(), Files.readAllBytes(index));
    }

    @Override
    public List<SegmentName> list() throws IOException {
        return remote.list();
    }

    @Override
    public List<Stored> listWithSizes() throws IOException {
        return remote.listWithSizes();
    }

    @Override
    public ByteSource openIndex(SegmentName name) throws IOException {
        String copyName = name.indexName();
        if (isHeld(copyName)) {
            try {
                return FileByteSource.open(directory.resolve(copyName));
            } catch (NoSuchFileException e) {
                forget(copyName); // deleted under us (an operator emptying the directory): download it again
            }
        }
        byte[] bytes;
        try (ByteSource part = remote.openIndex(name)) {
            bytes = part.read(0, Math.toIntExact(part.size()));
        }
        keep(copyName, bytes);
        try {
            return FileByteSource.open(directory.resolve(copyName));
        } catch (NoSuchFileException e) {
            return new BytesSource(bytes); // evicted at once: a budget smaller than this one index
        }
    }

    @Override
    public ByteSource openPart(String partName) throws IOException {
        return remote.openPart(partName);
    }

    @Override
    public long partSize(String partName) throws IOException {
        return remote.partSize(partName);
    }

    @Override
    public void delete(SegmentName name) throws IOException {
        remote.delete(name);
        forget(name.indexName());
        Files.deleteIfExists(directory.resolve(name.indexName()));
    }

    @Override
    public String describe() {
        return remote.describe();
    }

    @Override
    public void close() throws IOException {
        remote.close();
    }

    /** The bytes the copies take now (for tests and logs). */
    synchronized long heldBytes() {
        return heldBytes;
    }

    /** Writes {@code bytes} as the copy {@code copyName}: temporary file, fsync, rename; then evicts. */
    private void keep(String copyName, byte[] bytes) throws IOException {
        Path temporary = Files.createTempFile(directory, copyName, TEMPORARY_SUFFIX);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        Files.move(temporary, directory.resolve(copyName), StandardCopyOption.ATOMIC_MOVE,
                   StandardCopyOption.REPLACE_EXISTING);
        held(copyName, bytes.length);
        evict();
    }

    private synchronized boolean isHeld(String copyName) {
        return copies.get(copyName) != null; // a get: marks it recently used
    }

    private synchronized void held(String copyName, long bytes) {
        Long before = copies.put(copyName, bytes);
        heldBytes += bytes - (before == null ? 0 : before);
    }

    private synchronized void forget(String copyName) {
        Long before = copies.remove(copyName);
        heldBytes -= before == null ? 0 : before;
    }

    /** Deletes the least recently used copies while the copies take more than the budget. */
    private void evict() throws IOException {
        while (true) {
            String eldest;
            synchronized (this) {
                if (heldBytes <= budgetBytes || copies.isEmpty()) {
                    return;
                }
                Map.Entry<String, Long> entry = copies.entrySet().iterator().next();
                eldest = entry.getKey();
                forget(eldest);
            }
            // A reader that has the file open keeps reading it: the file goes once the last channel closes.
            Files.deleteIfExists(directory.resolve(eldest));
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** An index part held in memory: the budget was too small to keep its copy. */
    private record BytesSource(byte[] bytes) implements ByteSource {

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public byte[] read(long position, int length) throws IOException {
            if (position < 0 || length < 0 || position + length > bytes.length) {
                throw new CorruptSegmentException("index part is truncated: expected at least " + (position + length)
                                                  + " bytes, actual: " + bytes.length);
            }
            return java.util.Arrays.copyOfRange(bytes, (int) position, (int) position + length);
        }

        @Override
        public void close() {
        }
    }
}
