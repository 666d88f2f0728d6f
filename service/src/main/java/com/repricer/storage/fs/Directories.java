package com.repricer.storage.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** fsync of a directory, which makes the names created, renamed or deleted in it durable. */
public final class Directories {

    private Directories() {
    }

    public static void fsync(StorageFiles files, Path directory) throws IOException {
        try (FileChannel channel = files.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
