package com.repricer.storage.fs;

import com.repricer.storage.StorageConfig;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real file system of one data directory, with switches that make one kind of operation fail with an
 * {@link IOException} while armed. The test arms and disarms them at will (from any thread); what is not armed
 * behaves exactly like {@link StorageFiles#DEFAULT}. Which operation a call belongs to is told by where it
 * happens in the data directory's layout (SPEC §2 and the README).
 */
public final class FaultyStorageFiles extends StorageFiles {

    /** An operation that can be made to fail. */
    public enum Fault {
        /** fsync of a log segment or of the {@code log/} folder. */
        LOG_FSYNC,
        /** fsync of a results file (staged in {@code tmp/} or in {@code results/}) or of the {@code results/} folder. */
        RESULTS_FSYNC,
        /** The rename of a staged file into {@code results/}. */
        RENAME
    }

    private final Path log;
    private final Path results;
    private final Path staging;
    private final Set<Fault> armed = ConcurrentHashMap.newKeySet();
    private final Map<Fault, AtomicInteger> injected = new EnumMap<>(Fault.class);

    public FaultyStorageFiles(Path dataDirectory) {
        StorageConfig layout = StorageConfig.defaults(dataDirectory.toAbsolutePath().normalize());
        this.log = layout.logDirectory();
        this.results = layout.resultsDirectory();
        this.staging = layout.temporaryDirectory();
        for (Fault fault : Fault.values()) {
            injected.put(fault, new AtomicInteger());
        }
    }

    /** From now on, every {@code fault} operation fails (also on channels that are already open). */
    public void arm(Fault fault) {
        armed.add(fault);
    }

    public void disarm(Fault fault) {
        armed.remove(fault);
    }

    /** How many operations of this kind have been failed so far: proves the fault was actually hit. */
    public int injected(Fault fault) {
        return injected.get(fault).get();
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        FileChannel channel = super.open(file, options);
        Optional<Fault> fsync = fsyncFaultOf(file);
        return fsync.isEmpty() ? channel : new FaultyFileChannel(channel, file, () -> fails(fsync.get()));
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        if (isUnder(target, results) && fails(Fault.RENAME)) {
            throw new IOException("Input/output error (injected rename failure): " + source + " -> " + target);
        }
        super.move(source, target, options);
    }

    /**
     * No {@code syncfs}: with it the results files' fsync would bypass the channels. The results writer treats a
     * failing syncfs and a failing per-file fsync alike (an {@link IOException} from {@code ResultsDirectory.sync}).
     */
    @Override
    public Optional<FileSystemSync> fileSystemSync(Path directory) {
        return Optional.empty();
    }

    private Optional<Fault> fsyncFaultOf(Path file) {
        if (isUnder(file, log)) {
            return Optional.of(Fault.LOG_FSYNC);
        }
        if (isUnder(file, results) || isUnder(file, staging) && file.getFileName().toString().endsWith(".tmp")) {
            return Optional.of(Fault.RESULTS_FSYNC);
        }
        return Optional.empty(); // the write probe, the lock
    }

    private boolean fails(Fault fault) {
        if (!armed.contains(fault)) {
            return false;
        }
        injected.get(fault).incrementAndGet();
        return true;
    }

    private static boolean isUnder(Path file, Path directory) {
        return file.toAbsolutePath().normalize().startsWith(directory);
    }
}
