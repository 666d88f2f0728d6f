package com.repricer.storage;

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
final class IndexSnapshotStore {

    static final String FILE_NAME = "snapshot";
    private static final String TEMPORARY_NAME = "snapshot.tmp";
    private static final Logger LOG = Logger.getLogger(IndexSnapshotStore.class.getName());

    private final Path directory;

    IndexSnapshotStore(Path directory) {
        this.directory = directory;
    }

    Path path() {
        return directory.resolve(FILE_NAME);
    }

    /** Writes the parts after the header, in the order of the format, through the encoder. */
    @FunctionalInterface
    interface Body {
        void writeTo(IndexSnapshot.Encoder encoder) throws IOException;
    }

    /**
     * The snapshot, if there is one and its files are exactly the first files of {@code listing}; else empty,
     * with the reason logged.
     *
     * @param listing every results file, in sequence order
     */
    Optional<IndexSnapshot> load(List<ResultsFileName> listing) {
        Path snapshot = path();
        try {
            Files.deleteIfExists(directory.resolve(TEMPORARY_NAME)); // a crash while writing the next one
            if (!Files.exists(snapshot)) {
                LOG.info("No index snapshot at " + snapshot + "; reading every results file");
                return Optional.empty();
            }
            if (Files.size(snapshot) > Integer.MAX_VALUE - 64) {
                return ignored(snapshot, "too large to read in one piece");
            }
            IndexSnapshot decoded = IndexSnapshot.decode(ByteBuffer.wrap(Files.readAllBytes(snapshot)));
            String mismatch = mismatch(decoded.fileNames(), listing);
            return mismatch == null ? Optional.of(decoded) : ignored(snapshot, "it does not match results/: " + mismatch);
        } catch (IndexSnapshot.DamagedSnapshotException e) {
            return ignored(snapshot, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return ignored(snapshot, "cannot read it: " + e);
        }
    }

    private static Optional<IndexSnapshot> ignored(Path snapshot, String reason) {
        LOG.warning("Ignoring the index snapshot " + snapshot + " (" + reason + "); reading every results file");
        return Optional.empty();
    }

    /** Why {@code listing} does not start with exactly the {@code covered} files, or {@code null} if it does. */
    private static String mismatch(List<ResultsFileName> covered, List<ResultsFileName> listing) {
        for (int i = 0; i < covered.size(); i++) {
            if (i == listing.size()) {
                return "it covers " + covered.size() + " files, results/ holds " + listing.size() + "; "
                       + covered.get(i) + " is missing";
            }
            if (!listing.get(i).equals(covered.get(i))) {
                return "expected " + covered.get(i) + ", found " + listing.get(i);
            }
        }
        return null;
    }

    /**
     * Writes a new snapshot and makes it durable; the old one is replaced only then.
     *
     * @param cancelled checked while writing: once true the write stops, leaving the old snapshot
     * @return the new snapshot's size in bytes
     */
    long write(long lastSequence, long lastTimestampNanos, int fileCount, BooleanSupplier cancelled, Body body)
            throws IOException {
        Files.createDirectories(directory);
        Path temporary = directory.resolve(TEMPORARY_NAME);
        long size;
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
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
        Files.move(temporary, path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Directories.fsync(directory);
        return size;
    }
}
