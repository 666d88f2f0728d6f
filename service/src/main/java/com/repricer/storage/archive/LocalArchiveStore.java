package com.repricer.storage.archive;

import com.repricer.storage.fs.StorageFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Segments in a local directory ({@code repricer.archive.directory}, by default {@code <data-dir>/archive}):
 * {@code <name>.idx} and {@code <name>.tar.gz} side by side, nothing else once a store has finished.
 *
 * <p>Each part is copied to {@code .<part>.tmp} in the directory, fsync'ed, renamed to its name and the directory
 * fsync'ed; the index first, the data last. A crash leaves at most a temporary file or an index without its data,
 * both removed when the store is opened again; a listed segment is complete and durable.
 * Channels and renames go through {@link StorageFiles}, so tests can make an fsync or a rename fail.
 */
public final class LocalArchiveStore implements ArchiveStore {

    private static final Logger LOG = Logger.getLogger(LocalArchiveStore.class.getName());
    private static final String TEMPORARY_SUFFIX = ".tmp";

    private final Path directory;
    private final StorageFiles files;

    private LocalArchiveStore(Path directory, StorageFiles files) {
        this.directory = directory;
        this.files = files;
    }

    /** Opens (creating it if needed) the store in {@code directory} and removes what an interrupted store left. */
    public static LocalArchiveStore open(Path directory, StorageFiles files) throws IOException {
        Files.createDirectories(directory);
        LocalArchiveStore store = new LocalArchiveStore(directory, files);
        store.removeLeftovers();
        return store;
    }

    private void removeLeftovers() throws IOException {
        Set<String> names = names();
        boolean removed = false;
        for (String name : names) {
            boolean temporary = name.endsWith(TEMPORARY_SUFFIX);
            boolean orphanIndex = SegmentName.parseIndex(name)
                                             .filter(segment -> !names.contains(segment.dataName()))
                                             .isPresent();
            if (temporary || orphanIndex) {
                LOG.info("Removing " + directory.resolve(name) + ", left by an interrupted archive store");
                Files.deleteIfExists(directory.resolve(name));
                removed = true;
            }
        }
        if (removed) {
            fsyncDirectory();
        }
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void store(SegmentName name, Path data, Path index) throws IOException {
        publish(index, name.indexName());
        publish(data, name.dataName()); // the commit point
    }

    private void publish(Path source, String name) throws IOException {
        Path temporary = directory.resolve("." + name + TEMPORARY_SUFFIX);
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
             FileChannel out = files.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                          StandardOpenOption.TRUNCATE_EXISTING)) {
            long size = in.size();
            for (long copied = 0; copied < size; ) {
                copied += in.transferTo(copied, size - copied, out);
            }
            out.force(true);
            files.move(temporary, directory.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        fsyncDirectory();
    }

    private void fsyncDirectory() throws IOException {
        try (FileChannel channel = files.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    @Override
    public List<SegmentName> list() throws IOException {
        Set<String> names = names();
        return SegmentName.complete(names);
    }

    private Set<String> names() throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            Set<String> names = new HashSet<>();
            entries.forEach(entry -> names.add(entry.getFileName().toString()));
            return names;
        }
    }

    @Override
    public ByteSource openPart(String name) throws IOException {
        try {
            return FileByteSource.open(directory.resolve(name));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(directory.resolve(name).toString(), null, "no such archive segment part");
        }
    }

    @Override
    public void delete(SegmentName name) throws IOException {
        files.delete(directory.resolve(name.dataName())); // no longer listed from here on
        files.delete(directory.resolve(name.indexName()));
        fsyncDirectory();
    }

    @Override
    public String describe() {
        return directory.toString();
    }
}
