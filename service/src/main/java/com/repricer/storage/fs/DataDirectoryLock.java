package com.repricer.storage.fs;

import com.repricer.storage.DataDirectoryInUseException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on {@code <data-dir>/repricer.lock}: one instance per data directory. The kernel
 * releases it when the process dies, so a crash never leaves a stale lock behind.
 */
public final class DataDirectoryLock implements AutoCloseable {

    public static final String FILE_NAME = "repricer.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectoryLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** @throws DataDirectoryInUseException if another instance holds it */
    public static DataDirectoryLock acquire(Path dataDirectory) throws IOException {
        Files.createDirectories(dataDirectory);
        Path lockFile = dataDirectory.resolve(FILE_NAME);
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new DataDirectoryInUseException("Data directory " + dataDirectory.toAbsolutePath()
                                                  + " is in use by another repricer instance: lock "
                                                  + lockFile.toAbsolutePath() + " is held");
        }
        return new DataDirectoryLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
