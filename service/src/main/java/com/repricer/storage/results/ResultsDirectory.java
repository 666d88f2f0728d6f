package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.fs.Directories;
import com.repricer.storage.fs.FileSystemSync;
import com.repricer.storage.fs.StorageFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The {@code results/} folder and its staging folder {@code tmp/}. A file is written whole in {@code tmp/} and
 * renamed into {@code results/}, so {@code results/} only ever holds complete files. Until a file is fsync'ed the
 * write-ahead log still holds its records, which is why the rename need not wait for an fsync.
 */
public final class ResultsDirectory implements ResultsFileSource {

    private static final Logger LOG = Logger.getLogger(ResultsDirectory.class.getName());
    private static final String TEMPORARY_SUFFIX = ".tmp";

    private final Path results;
    private final Path staging;
    private final StorageFiles files;
    private Optional<FileSystemSync> fileSystemSync;

    public ResultsDirectory(Path results, Path staging, StorageFiles files) throws IOException {
        this.results = Files.createDirectories(results);
        this.staging = Files.createDirectories(staging);
        this.files = files;
    }

    /** Opens the {@code results/} folder of a data directory for reading only (for the export). */
    public static ResultsDirectory reader(Path dataDirectory) throws IOException {
        StorageConfig layout = StorageConfig.defaults(dataDirectory);
        return new ResultsDirectory(layout.resultsDirectory(), layout.temporaryDirectory(), StorageFiles.DEFAULT);
    }

    public Path path() {
        return results;
    }

    /** The complete results files in name (= sequence) order; anything else in the folder is skipped. */
    public List<ResultsFileName> list() throws IOException {
        List<ResultsFileName> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(results)) {
            files.forEach(file -> {
                Optional<ResultsFileName> name = ResultsFileName.parse(file.getFileName().toString());
                name.ifPresentOrElse(names::add, () -> LOG.warning("Ignoring " + file + ": not a results file"));
            });
        }
        return inSequenceOrder(names);
    }

    /**
     * Sorted by first sequence. A million names come in hash order, and sorting them as objects took one to two
     * seconds (every comparison misses the cache); so each first sequence is packed with the name's index into
     * one long, and the longs are sorted (a tenth of that). Sequences too large to pack (beyond 2^43 at a million
     * files) fall back to the object sort.
     */
    private static List<ResultsFileName> inSequenceOrder(List<ResultsFileName> names) {
        int indexBits = 64 - Long.numberOfLeadingZeros(Math.max(1, names.size() - 1));
        long packable = 1L << (63 - indexBits);
        long[] keys = new long[names.size()];
        for (int i = 0; i < keys.length; i++) {
            long firstSequence = names.get(i).firstSequence();
            if (firstSequence >= packable) {
                names.sort(Comparator.comparingLong(ResultsFileName::firstSequence));
                return names;
            }
            keys[i] = firstSequence << indexBits | i;
        }
        Arrays.sort(keys);
        long indexMask = (1L << indexBits) - 1;
        List<ResultsFileName> sorted = new ArrayList<>(keys.length);
        for (long key : keys) {
            sorted.add(names.get((int) (key & indexMask)));
        }
        return sorted;
    }

    public Path pathOf(ResultsFileName name) {
        return results.resolve(name.toString());
    }

    @Override
    public byte[] read(ResultsFileName name) throws IOException {
        return Files.readAllBytes(pathOf(name));
    }

    @Override
    public String whereIs(ResultsFileName name) {
        return pathOf(name).toString();
    }

    @Override
    public List<PriceRecord> readRecords(ResultsFileName name) throws IOException {
        return ResultsFileFormat.decode(read(name), name.firstSequence());
    }

    /**
     * Writes {@code records} as one results file: staged, optionally fsync'ed, then renamed into place.
     *
     * @return the file's path in {@code results/}
     */
    public Path write(List<PriceRecord> records, boolean fsync) throws IOException {
        PriceRecord first = records.getFirst();
        ResultsFileName name = new ResultsFileName(first.sequence(), first.timestampNanos(), records.size());
        Path staged = staging.resolve(name + TEMPORARY_SUFFIX);
        try (FileChannel channel = files.open(staged, StandardOpenOption.CREATE,
                                              StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer content = ByteBuffer.wrap(ResultsFileFormat.encode(records));
            while (content.hasRemaining()) {
                channel.write(content);
            }
            if (fsync) {
                channel.force(true);
            }
        } catch (IOException e) {
            Files.deleteIfExists(staged);
            throw e;
        }
        Path target = pathOf(name);
        files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /**
     * Makes the given files' content and the folder's names durable: one {@code syncfs} where the platform has
     * it, else one fsync per file. Called by one thread at a time (recovery, then the results writer).
     */
    void sync(List<Path> written) throws IOException {
        if (written.isEmpty()) {
            return;
        }
        if (fileSystemSync == null) {
            fileSystemSync = files.fileSystemSync(results);
        }
        if (fileSystemSync.isPresent()) {
            fileSystemSync.get().sync();
            return;
        }
        for (Path file : written) {
            try (FileChannel channel = files.open(file, StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
        Directories.fsync(files, results);
    }

    /** Releases the syncfs descriptor, if one was opened. */
    public void close() {
        if (fileSystemSync != null) {
            fileSystemSync.ifPresent(FileSystemSync::close);
        }
    }

    void delete(ResultsFileName name) throws IOException {
        Files.deleteIfExists(pathOf(name));
    }

    /** Staged files are leftovers of a crash: their records are still in the log. */
    void clearStaging() throws IOException {
        try (Stream<Path> files = Files.list(staging)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
        }
    }
}
