package com.repricer.storage.snapshot;

import com.repricer.storage.fs.Directories;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.results.ResultsFileName;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * The index snapshot on disk: {@code <data-dir>/index/snapshot} (format: {@link IndexSnapshot}).
 *
 * <p>Written as {@code snapshot.tmp} in the same folder, fsync'ed, renamed over the old one, then the folder is
 * fsync'ed: a crash at any point leaves the old snapshot or the new one, never a mix; a leftover temporary file
 * is removed on the next start.
 *
 * <p>Read at start, and used only if it describes the start of {@code results/} exactly (checked from the file
 * names alone). A snapshot is a shortcut, never the truth: whatever is wrong with it, {@link #load} says why and
 * returns nothing, and recovery reads every file as it would without one.
 */
public final class IndexSnapshotStore {

    public static final String FILE_NAME = "snapshot";
    private static final String TEMPORARY_NAME = "snapshot.tmp";
    private static final Logger LOG = Logger.getLogger(IndexSnapshotStore.class.getName());

    private final Path directory;
    private final StorageFiles files;

    public IndexSnapshotStore(Path directory, StorageFiles files) {
        this.directory = directory;
        this.files = files;
    }

    Path path() {
        return directory.resolve(FILE_NAME);
    }

    /** Writes the parts after the header, in the order of the format, through the encoder. */
    @FunctionalInterface
    public interface Body {
        void writeTo(IndexSnapshot.Encoder encoder) throws IOException;
    }

    /**
     * The snapshot, if there is one and it is intact; else empty, with the reason logged. Use it only if it
     * {@link #matches} the listing of {@code results/}.
     */
    public Optional<IndexSnapshot> read() {
        Path snapshot = path();
        try {
            long started = System.nanoTime();
            Files.deleteIfExists(directory.resolve(TEMPORARY_NAME)); // a crash while writing the next one
            if (!Files.exists(snapshot)) {
                LOG.info("No index snapshot at " + snapshot + "; reading every results file");
                return Optional.empty();
            }
            if (Files.size(snapshot) > Integer.MAX_VALUE - 64) {
                return ignored(snapshot, "too large to read in one piece");
            }
            byte[] bytes = Files.readAllBytes(snapshot);
            IndexSnapshot decoded = IndexSnapshot.decode(ByteBuffer.wrap(bytes));
            LOG.info(String.format("Read the index snapshot (%.1f MiB) in %d ms", bytes.length / 1048576.0,
                                   (System.nanoTime() - started) / 1_000_000));
            return Optional.of(decoded);
        } catch (IndexSnapshot.DamagedSnapshotException e) {
            return ignored(snapshot, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return ignored(snapshot, "cannot read it: " + e);
        }
    }

    /**
     * Whether {@code listing} starts with exactly the files the snapshot covers (first sequence, first timestamp
     * and record count, from the names); if not, says why in the log.
     *
     * @param listing every results file, in sequence order
     */
    public boolean matches(IndexSnapshot snapshot, List<ResultsFileName> listing) {
        String mismatch = snapshot.mismatchWith(listing);
        if (mismatch != null) {
            ignored(path(), "it does not match results/: " + mismatch);
        }
        return mismatch == null;
    }

    private static Optional<IndexSnapshot> ignored(Path snapshot, String reason) {
        LOG.warning("Ignoring the index snapshot " + snapshot + " (" + reason + "); reading every results file");
        return Optional.empty();
    }

    /**
     * Writes a new snapshot and makes it durable; the old one is replaced only then.
     *
     * @param cancelled checked while writing: once true the write stops, leaving the old snapshot
     * @return the new snapshot's size in bytes
     */
    public long write(long lastSequence, long lastTimestampNanos, int fileCount, BooleanSupplier cancelled, Body body)
            throws IOException {
        Files.createDirectories(directory);
        Path temporary = directory.resolve(TEMPORARY_NAME);
        long size;
        try (FileChannel channel = files.open(temporary, StandardOpenOption.CREATE,
                                              StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            IndexSnapshot.Encoder encoder = new IndexSnapshot.Encoder(channel, cancelled, lastSequence,
                                                                      lastTimestampNanos, fileCount);
            body.writeTo(encoder);
            encoder.finish();
            channel.force(true);
            size = encoder.written();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        files.move(temporary, path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Directories.fsync(files, directory);
        return size;
    }
}
