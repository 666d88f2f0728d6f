package com.repricer.storage.archive;

import com.repricer.storage.PriceRecord;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The most recently read archived results files, decoded, at most {@code capacity} of them (a file holds at most
 * a few dozen records: 4 096 files are a few MiB). Shared by the readers of all segments, so memory does not grow
 * with the number of segments.
 */
public final class DecodedFileCache {

    private final int capacity;
    private final Map<Key, List<PriceRecord>> files;

    public DecodedFileCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
        this.files = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, List<PriceRecord>> eldest) {
                return size() > DecodedFileCache.this.capacity;
            }
        };
    }

    synchronized List<PriceRecord> get(long segmentFirstSequence, int file) {
        return files.get(new Key(segmentFirstSequence, file));
    }

    synchronized void put(long segmentFirstSequence, int file, List<PriceRecord> records) {
        files.put(new Key(segmentFirstSequence, file), List.copyOf(records));
    }

    public synchronized int size() {
        return files.size();
    }

    private record Key(long segmentFirstSequence, int file) {
    }
}
