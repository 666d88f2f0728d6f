package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.index.HistoryTrimmedException;
import com.repricer.storage.results.ResultsDirectory;
import com.repricer.storage.results.ResultsFileName;
import com.repricer.storage.results.ResultsFileSource;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * A results file of the history, wherever it is now: loose in {@code results/} or in an archive segment. Queries,
 * the index snapshot and the export read through this, so they see no difference.
 *
 * <p>Moving is safe against readers: the {@link ArchiveMover} adds a segment to the {@link Archive} before it
 * deletes the segment's loose files, so a reader whose loose file has just gone finds it archived when it asks
 * again.
 */
public final class HistoryFiles implements ResultsFileSource {

    private final ResultsDirectory loose;
    private final Archive archive;

    public HistoryFiles(ResultsDirectory loose, Archive archive) {
        this.loose = loose;
        this.archive = archive;
    }

    @Override
    public List<PriceRecord> readRecords(ResultsFileName name) throws IOException {
        return read(name, archive::records, loose::readRecords);
    }

    @Override
    public byte[] read(ResultsFileName name) throws IOException {
        return read(name, archive::bytes, loose::read);
    }

    /** @throws HistoryTrimmedException if history retention has deleted the file */
    private ResultsFileName checkKept(ResultsFileName name) {
        if (name.firstSequence() < archive.firstSequence()) {
            throw new HistoryTrimmedException("results file " + name + " was deleted by history retention; the"
                                              + " history starts at sequence " + archive.firstSequence());
        }
        return name;
    }

    @Override
    public String whereIs(ResultsFileName name) {
        return archive.holds(name) ? archive.whereIs(name) : loose.whereIs(name);
    }

    /** One way of reading a results file. */
    @FunctionalInterface
    private interface Read<T> {
        T from(ResultsFileName name) throws IOException;
    }

    private <T> T read(ResultsFileName name, Read<T> archived, Read<T> inResults) throws IOException {
        if (archive.holds(name)) {
            try {
                return archived.from(checkKept(name));
            } catch (IOException e) {
                checkKept(name); // deleted while we read: not damage
                throw e;
            }
        }
        try {
            return inResults.from(name);
        } catch (NoSuchFileException e) {
            if (archive.holds(name)) {
                return archived.from(name); // archived while we looked
            }
            throw e;
        }
    }
}
