package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;

import java.io.IOException;
import java.util.List;

/**
 * Where a results file named in the {@link FileTable} is read from: {@code results/} ({@link ResultsDirectory}),
 * or wherever the file is now, loose or archived ({@code storage.archive.HistoryFiles}).
 */
public interface ResultsFileSource {

    /** The file's bytes, exactly as they were written into {@code results/}. */
    byte[] read(ResultsFileName name) throws IOException;

    /** The file's records, in sequence order. */
    List<PriceRecord> readRecords(ResultsFileName name) throws IOException;

    /** Where the file is, for a message: its path in {@code results/}, or the archive segment that holds it. */
    String whereIs(ResultsFileName name);
}
