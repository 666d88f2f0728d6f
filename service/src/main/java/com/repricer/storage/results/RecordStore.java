package com.repricer.storage.results;

import com.repricer.storage.DamagedResultsException;
import com.repricer.storage.PriceRecord;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where a durable record is read from: memory while it waits for its results file, the file afterwards.
 * A record leaves memory only once its file is in the {@link FileTable}, so a reader that misses it in memory
 * finds it in a file. Files never change once in {@code results/}, so the most recently read ones are kept
 * decoded: pollers of the newest pages, and a product's page spread over many files, read no file twice.
 *
 * <p>A file in the table that cannot be read whole (a start from the index snapshot does not read the files it
 * covers, so damage done to them since shows only here) is damage: the read is refused with a
 * {@link DamagedResultsException} naming the records, never answered with part of a page; the damage is logged
 * once with what the operator can do, and {@link #damage()} reports it to the readiness check.
 */
public final class RecordStore {

    private static final Logger LOG = Logger.getLogger(RecordStore.class.getName());

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
    private final ResultsFileSource source;
    /** Damaged files found so far, by first sequence. */
    private final ConcurrentHashMap<Long, Damage> damaged = new ConcurrentHashMap<>();

    private record Damage(ResultsFileName file, String description) {
    }

    /** @param source where filed records are read: {@code results/}, or wherever a file is now (the archive) */
    public RecordStore(FileTable files, ResultsFileSource source) {
        this.files = files;
        this.source = source;
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
        List<PriceRecord> records = List.copyOf(decodeWhole(name, read(name)));
        synchronized (decodedFiles) {
            decodedFiles.put(name.firstSequence(), records);
        }
        return records;
    }

    /**
     * The bytes of a results file in the table, checked to hold what its name says (for the export, which must
     * not ship a damaged file).
     *
     * @throws DamagedResultsException if it does not
     */
    public byte[] checkedBytes(ResultsFileName name) {
        byte[] bytes = read(name);
        decodeWhole(name, bytes);
        return bytes;
    }

    /**
     * The first damaged file found, as the readiness check reports it, if any.
     */
    public Optional<String> damage() {
        return damaged.values().stream().map(Damage::description).findFirst();
    }

    /** Refuses with the known damage if a damaged file holds records from {@code firstSequence} on. */
    public void checkNoKnownDamageFrom(long firstSequence) {
        for (Damage damage : damaged.values()) {
            if (damage.file().lastSequence() >= firstSequence) {
                throw new DamagedResultsException(clientMessage(damage.file()));
            }
        }
    }

    private byte[] read(ResultsFileName name) {
        try {
            return source.read(name);
        } catch (IOException e) {
            throw damaged(name, "cannot read it: " + e);
        }
    }

    private List<PriceRecord> decodeWhole(ResultsFileName name, byte[] bytes) {
        try {
            List<PriceRecord> records = ResultsFileFormat.decode(bytes, name.firstSequence());
            if (records.size() != name.recordCount()) {
                throw damaged(name, "it holds " + records.size() + " records, its name says " + name.recordCount());
            }
            return records;
        } catch (ResultsFileFormat.MalformedResultsFileException e) {
            throw damaged(name, e.getMessage());
        }
    }

    private DamagedResultsException damaged(ResultsFileName name, String what) {
        String description = "damaged results file " + source.whereIs(name) + " (" + what + "): records "
                             + name.firstSequence() + " to " + name.lastSequence() + " cannot be read";
        if (damaged.putIfAbsent(name.firstSequence(), new Damage(name, description)) == null) {
            LOG.log(Level.SEVERE, description + ". Reads of them are refused (500) and readiness is down. Put a good"
                                  + " copy of the file back where it was (from a backup or an"
                                  + " earlier GET /debug/results export) and restart. (The start did not read the"
                                  + " file: the index snapshot covers it. A start without the snapshot refuses to"
                                  + " run until the file is back.)");
        }
        return new DamagedResultsException(clientMessage(name));
    }

    private static String clientMessage(ResultsFileName name) {
        return "records " + name.firstSequence() + " to " + name.lastSequence() + " cannot be read: their results"
               + " file is damaged; the operator has to restore it";
    }
}
