package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;
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
        if (archive.holds(name)) {
            return archive.records(name);
        }
        try {
            return loose.readRecords(name);
        } catch (NoSuchFileException e) {
            if (archive.holds(name)) {
                return archive.records(name); // archived while we looked
            }
            throw e;
        }
    }

    /** The file's bytes, exactly as they were written into {@code results/}. */
    public byte[] bytes(ResultsFileName name) throws IOException {
        if (archive.holds(name)) {
            return archive.bytes(name);
        }
        try {
            return loose.read(name);
        } catch (NoSuchFileException e) {
            if (archive.holds(name)) {
                return archive.bytes(name);
            }
            throw e;
        }
    }
}
