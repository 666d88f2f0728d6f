package com.repricer.storage.results;

import com.repricer.storage.PriceRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a durable record is read from: memory while it waits for its results file, the file afterwards.
 * A record leaves memory only once its file is in the {@link FileTable}, so a reader that misses it in memory
 * finds it in a file. Files never change once in {@code results/}, so the most recently read ones are kept
 * decoded: pollers of the newest pages, and a product's page spread over many files, read no file twice.
 */
public final class RecordStore {

    /** Decoded files kept: about 10 records each, so a few MiB. */
    private static final int CACHED_FILES = 4096;

    private final ConcurrentHashMap<Long, PriceRecord> unfiled = new ConcurrentHashMap<>();
    private final Map<Long, List<PriceRecord>> decodedFiles = new LinkedHashMap<>(CACHED_FILES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, List<PriceRecord>> eldest) {
            return size() > CACHED_FILES;
        }
    };
    private final FileTable files;
    private final ResultsFileSource directory;

    /** @param directory where filed records are read: {@code results/}, or wherever a file is now (the archive) */
    public RecordStore(FileTable files, ResultsFileSource directory) {
        this.files = files;
        this.directory = directory;
    }

    public void addUnfiled(PriceRecord record) {
        unfiled.put(record.sequence(), record);
    }

    /** Called once the file holding {@code records} is in the file table. */
    void filed(List<PriceRecord> records) {
        for (PriceRecord record : records) {
            unfiled.remove(record.sequence());
        }
    }

    /** The records with these sequence numbers, all durable and indexed; each file is read once. */
    public List<PriceRecord> read(long[] sequences) {
        List<PriceRecord> records = new ArrayList<>(sequences.length);
        ResultsFileName lastFile = null;
        List<PriceRecord> lastFileRecords = List.of();
        for (long sequence : sequences) {
            PriceRecord record = unfiled.get(sequence);
            if (record == null) {
                if (lastFile == null || sequence > lastFile.lastSequence()) {
                    lastFile = files.fileOf(sequence);
                    lastFileRecords = readFile(lastFile);
                }
                record = lastFileRecords.get((int) (sequence - lastFile.firstSequence()));
            }
            records.add(record);
        }
        return records;
    }

    private List<PriceRecord> readFile(ResultsFileName name) {
        synchronized (decodedFiles) {
            List<PriceRecord> cached = decodedFiles.get(name.firstSequence());
            if (cached != null) {
                return cached;
            }
        }
        List<PriceRecord> records;
        try {
            records = List.copyOf(directory.readRecords(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read results file " + name, e);
        }
        synchronized (decodedFiles) {
            decodedFiles.put(name.firstSequence(), records);
        }
        return records;
    }
}
