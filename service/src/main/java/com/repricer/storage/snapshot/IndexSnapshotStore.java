package com.repricer.storage.snapshot;

import com.repricer.storage.fs.Directories;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.ProductTable;
import com.repricer.storage.results.FileTable;
import com.repricer.storage.results.ResultsFileName;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The index snapshot on disk, in {@code <data-dir>/index/} (format of each part: {@link IndexSnapshot}):
 * <ul>
 *   <li>{@code snapshot}: the base, records 1 to S₀;</li>
 *   <li>{@code delta-<S>} (S in 19 digits, so names sort by it): a delta of records F + 1 to S, continuing the
 *       base or the delta that ends at F; it carries the base's generation.</li>
 * </ul>
 *
 * <p>Every part is written as a {@code .tmp} file in the same folder, fsync'ed, renamed to its name, then the
 * folder is fsync'ed: a crash leaves each part whole or absent. A new base replaces the old one the same way and
 * only then are the deltas deleted; a delta left over from an older base carries another generation and is
 * ignored. Leftover temporary files are removed on the next start.
 *
 * <p>A start restores the base, then each delta that continues what is restored so far (by sequence and
 * generation), each one checked whole before it is used. A damaged delta — torn, bit-flipped, foreign — is skipped
 * and the chain ends before it: the records it would have covered are read from their results files, as are those
 * after the last delta. The snapshot is a shortcut, never the truth: whatever is wrong with it is logged, and
 * recovery reads the files as it would without it.
 */
public final class IndexSnapshotStore {

    public static final String FILE_NAME = "snapshot";
    static final String DELTA_PREFIX = "delta-";
    private static final String TEMPORARY_SUFFIX = ".tmp";
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

    Path deltaPath(long lastSequence) {
        return directory.resolve(String.format("%s%019d", DELTA_PREFIX, lastSequence));
    }

    /**
     * What the snapshot on disk holds, as far as a start could use it.
     *
     * @param generation   the base's random number, which its deltas carry
     * @param lastSequence the last record covered: the base's, or the last usable delta's
     * @param fileCount    results files holding records 1 to {@code lastSequence}
     * @param baseBytes    the base's size
     * @param deltaCount   deltas restored after it
     * @param deltaBytes   their size in all
     * @param strays       whether the folder holds deltas that were not used (damaged, or of another base)
     */
    public record Chain(long generation, long lastSequence, long lastTimestampNanos, int fileCount, long baseBytes,
                        int deltaCount, long deltaBytes, boolean strays) {

        /** No usable snapshot. */
        public static final Chain NONE = new Chain(0, 0, 0, 0, 0, 0, 0, false);

        /** The chain with one more delta. */
        Chain plus(IndexSnapshot.Part delta, long bytes) {
            return new Chain(generation, delta.lastSequence(), delta.lastTimestampNanos(),
                             fileCount + delta.fileCount(), baseBytes, deltaCount + 1, deltaBytes + bytes, strays);
        }

        Chain withStrays() {
            return new Chain(generation, lastSequence, lastTimestampNanos, fileCount, baseBytes, deltaCount,
                             deltaBytes, true);
        }
    }

    /** Writes the parts after the header, in the order of the format, through the encoder. */
    @FunctionalInterface
    public interface Body {
        void writeTo(IndexSnapshot.Encoder encoder) throws IOException;
    }

    // ------------------------------------------------------------------------------------------------ restoring

    /**
     * Restores the base and every delta that continues it into the (empty) index, piece by piece. If anything
     * unusable was half restored, the index is emptied again and {@link Chain#NONE} returned, with the reason
     * logged. Use the result only if {@link #mismatch} finds nothing.
     */
    public Chain restore(HistoryIndex index, FileTable fileTable, ProductTable products) {
        Path base = path();
        ByteBuffer buffer = ByteBuffer.allocateDirect(SnapshotInput.BUFFER_BYTES);
        try {
            if (Files.isDirectory(directory)) {
                removeTemporaryFiles();
            }
            if (!Files.exists(base)) {
                LOG.info("No index snapshot at " + base + "; reading every results file");
                return Chain.NONE;
            }
            Chain chain;
            try (FileChannel channel = files.open(base, StandardOpenOption.READ)) {
                IndexSnapshot.Part part = IndexSnapshot.restore(new SnapshotInput(channel, buffer), true, 0,
                                                                index, fileTable, products);
                chain = new Chain(part.generation(), part.lastSequence(), part.lastTimestampNanos(),
                                  part.fileCount(), channel.size(), 0, 0, false);
            }
            for (Path delta : deltas()) {
                try (FileChannel channel = files.open(delta, StandardOpenOption.READ)) {
                    IndexSnapshot.Part part = IndexSnapshot.restore(new SnapshotInput(channel, buffer), false,
                                                                    chain.generation(), index, fileTable, products);
                    chain = chain.plus(part, channel.size());
                } catch (IndexSnapshot.DamagedSnapshotException e) {
                    if (e.indexTouched()) {
                        throw e;
                    }
                    LOG.info("Index snapshot delta " + delta.getFileName() + " not used (" + e.getMessage() + ")");
                    chain = chain.withStrays();
                }
            }
            return chain;
        } catch (IndexSnapshot.DamagedSnapshotException e) {
            return ignored(index, fileTable, products, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return ignored(index, fileTable, products, "cannot read it: " + e);
        }
    }

    /**
     * Why {@code listing} does not start with exactly the files the restored index holds (first sequence, first
     * timestamp, record count), or {@code null} if it does.
     *
     * @param listing every results file, in sequence order
     */
    public static String mismatch(FileTable restored, List<ResultsFileName> listing) {
        long first = restored.firstFile();
        int count = Math.toIntExact(restored.count() - first); // the files not archived: bounded by the inodes
        for (int i = 0; i < count; i++) {
            ResultsFileName expected = restored.file(first + i);
            if (i == listing.size()) {
                return expected + " is missing (results/ holds " + listing.size() + " files, the snapshot covers "
                       + count + ")";
            }
            if (!listing.get(i).equals(expected)) {
                return "expected " + expected + ", found " + listing.get(i);
            }
        }
        return null;
    }

    /**
     * The files the restored index holds that come after {@code listing}, if {@code listing} is exactly the start
     * of them: the last files of this history are gone from {@code results/}. Empty if the listing holds every
     * restored file or differs from them (another history, or files changed in the middle).
     *
     * @param listing every results file, in sequence order
     */
    public static List<ResultsFileName> filesMissingAfter(FileTable restored, List<ResultsFileName> listing) {
        List<ResultsFileName> missing = new ArrayList<>();
        long first = restored.firstFile();
        for (int i = 0; i < restored.count() - first; i++) {
            ResultsFileName expected = restored.file(first + i);
            if (i >= listing.size()) {
                missing.add(expected);
            } else if (!listing.get(i).equals(expected)) {
                return List.of();
            }
        }
        return missing;
    }

    /** Logs why the snapshot is not used and empties whatever of it was restored. */
    public Chain ignored(HistoryIndex index, FileTable fileTable, ProductTable products, String reason) {
        index.clear();
        fileTable.clear();
        products.clear();
        LOG.warning("Ignoring the index snapshot " + path() + " (" + reason + "); reading every results file");
        return Chain.NONE;
    }

    /** The delta files, in sequence order. */
    private List<Path> deltas() throws IOException {
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.filter(path -> {
                String name = path.getFileName().toString();
                return name.startsWith(DELTA_PREFIX) && !name.endsWith(TEMPORARY_SUFFIX);
            }).sorted().toList();
        }
    }

    private void removeTemporaryFiles() throws IOException {
        try (Stream<Path> listing = Files.list(directory)) {
            for (Path path : (Iterable<Path>) listing::iterator) {
                if (path.getFileName().toString().endsWith(TEMPORARY_SUFFIX)) {
                    Files.deleteIfExists(path); // a crash while writing a part
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * Writes a new base and makes it durable; the old one is replaced only then, and the deltas deleted after.
     *
     * @param cancelled checked while writing: once true the write stops, leaving the old snapshot
     * @return the new base's size in bytes
     */
    public long writeBase(IndexSnapshot.Part header, BooleanSupplier cancelled, Body body) throws IOException {
        long size = write(path(), header, cancelled, body);
        for (Path delta : deltas()) {
            Files.deleteIfExists(delta);
        }
        return size;
    }

    /**
     * Writes a delta and makes it durable.
     *
     * @return its size in bytes
     */
    public long writeDelta(IndexSnapshot.Part header, BooleanSupplier cancelled, Body body) throws IOException {
        return write(deltaPath(header.lastSequence()), header, cancelled, body);
    }

    private long write(Path target, IndexSnapshot.Part header, BooleanSupplier cancelled, Body body)
            throws IOException {
        Files.createDirectories(directory);
        Path temporary = directory.resolve(target.getFileName() + TEMPORARY_SUFFIX);
        long size;
        try (FileChannel channel = files.open(temporary, StandardOpenOption.CREATE,
                                              StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            IndexSnapshot.Encoder encoder = new IndexSnapshot.Encoder(channel, cancelled, header);
            body.writeTo(encoder);
            encoder.finish();
            channel.force(true);
            size = encoder.written();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Directories.fsync(files, directory);
        return size;
    }
}
