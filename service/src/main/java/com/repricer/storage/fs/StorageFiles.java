package com.repricer.storage.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the storage code opens the file channels it writes and fsyncs (log segments, staged results files, the
 * idempotency window, the write probe, folders), renames finished files into place, and syncs the file system. {@link #DEFAULT}
 * is the file system as it is; a test subclass can make an fsync or a rename fail, so that the fail-closed paths
 * can be tested with real files and without a mocking library.
 *
 * <p>Passed in explicitly ({@link Ledger#open(StorageConfig, java.time.Clock, StorageMetrics, StorageFiles)}),
 * never through a static hook: every ledger has its own.
 */
public class StorageFiles {

    /** The real file system, unchanged. */
    public static final StorageFiles DEFAULT = new StorageFiles();

    protected StorageFiles() {
    }

    /** {@link FileChannel#open(Path, OpenOption...)}. */
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, options);
    }

    /** {@link Files#move(Path, Path, CopyOption...)}: how a finished file is renamed into place. */
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Files.move(source, target, options);
    }

    /** {@link Files#deleteIfExists(Path)}: how the archive removes the loose results files it has stored. */
    public boolean delete(Path file) throws IOException {
        return Files.deleteIfExists(file);
    }

    /**
     * One {@code syncfs} for the file system holding {@code directory}, or empty, in which case files are fsync'ed
     * one by one through channels from {@link #open}. A subclass that injects fsync failures into channels returns
     * empty, so that the results files' fsync goes through its channels.
     */
    public Optional<FileSystemSync> fileSystemSync(Path directory) {
        return FileSystemSync.open(directory);
    }
}
