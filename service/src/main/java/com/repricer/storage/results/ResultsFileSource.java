package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;

import java.io.IOException;
import java.util.List;

/**
 * Where the records of a results file named in the {@link FileTable} are read from: {@code results/}
 * ({@link ResultsDirectory}), or wherever the file is now, loose or archived ({@code storage.archive.HistoryFiles}).
 */
@FunctionalInterface
public interface ResultsFileSource {

    /** The file's records, in sequence order. */
    List<PriceRecord> readRecords(ResultsFileName name) throws IOException;
}
