package com.repricer.storage.idempotency;

import com.repricer.storage.PendingReprice;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.fs.Directories;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.log.WriteAheadLog;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The idempotency window: which {@code Idempotency-Key} made which record, so that a retry gets the original
 * record instead of writing a second one. Bounded by a number of keys and an age (of the record's timestamp);
 * the oldest keys go first.
 *
 * <h2>Durability</h2>
 * A key is durable together with its record: it is part of the record's log entry ({@link WriteAheadLog}). The
 * log lets go of entries in two places — trimming while running, emptying at start-up — and before either, the
 * window is written whole to {@code <data-dir>/idempotency/keys} (temp file, fsync, rename, folder fsync), in
 * the log's entry format. On start the file is read first and the log's keyed entries are added to it.
 *
 * <p>Thread use: lookups and claims come from request threads (a concurrent map); keys become durable on the
 * group-commit thread; the window's order and the file are guarded by this object's monitor.
 */
public final class IdempotencyKeys {

    private static final Logger LOG = Logger.getLogger(IdempotencyKeys.class.getName());
    private static final String FILE_NAME = "keys";

    private final ConcurrentHashMap<String, KnownKey> byKey = new ConcurrentHashMap<>();
    /** Durable keys, oldest record first. */
    private final ArrayDeque<WriteAheadLog.KeyedRecord> order = new ArrayDeque<>();
    private final int maxKeys;
    private final long maxAgeNanos;
    private final Path directory;
    private final StorageFiles files;
    private boolean changedSinceSaved;

    private IdempotencyKeys(Path directory, int maxKeys, Duration maxAge, StorageFiles files) {
        this.directory = directory;
        this.files = files;
        this.maxKeys = maxKeys;
        this.maxAgeNanos = maxAge.toNanos();
    }

    /**
     * The window saved in {@code directory}, plus the keyed records the log still holds (in sequence order).
     *
     * @throws WriteAheadLog.CorruptLogException if the saved window is damaged
     */
    public static IdempotencyKeys load(Path directory, int maxKeys, Duration maxAge, List<WriteAheadLog.KeyedRecord> logged,
                                StorageFiles files) throws IOException {
        IdempotencyKeys keys = new IdempotencyKeys(directory, maxKeys, maxAge, files);
        Path file = directory.resolve(FILE_NAME);
        if (Files.exists(file)) {
            try {
                WriteAheadLog.readEntries(file).forEach(keys::restore);
            } catch (WriteAheadLog.CorruptLogException e) {
                throw new WriteAheadLog.CorruptLogException(
                        e.getMessage() + "; delete it to start without the remembered idempotency keys");
            }
            keys.changedSinceSaved = false;
        }
        logged.forEach(keys::restore);
        return keys;
    }

    private synchronized void restore(WriteAheadLog.KeyedRecord entry) {
        KnownKey known = byKey.get(entry.key());
        if (known instanceof KnownKey.Durable(PriceRecord record) && record.sequence() >= entry.record().sequence()) {
            return; // saved before the log was trimmed, and still in the log
        }
        byKey.put(entry.key(), new KnownKey.Durable(entry.record()));
        remember(entry);
    }

    /**
     * What the window knows of {@code key}: the durable record it made, the reprice still waiting for the log,
     * or {@code null} (never seen, or older than the window's age at {@code nowNanos}).
     */
    public KnownKey find(String key, long nowNanos) {
        KnownKey known = byKey.get(key);
        return known instanceof KnownKey.Durable(PriceRecord record) && expired(record, nowNanos) ? null : known;
    }

    /**
     * Makes {@code pending} the owner of {@code key}.
     *
     * @return false if another request holds the key (found since {@link #find} said it was free)
     */
    public boolean claim(String key, PendingReprice pending, long nowNanos) {
        KnownKey claimed = new KnownKey.InFlight(pending);
        KnownKey known = byKey.putIfAbsent(key, claimed);
        return known == null
               || known instanceof KnownKey.Durable(PriceRecord record) && expired(record, nowNanos)
                  && byKey.replace(key, known, claimed);
    }

    /** The claimed reprice was refused: the key is free again. */
    public void release(String key, PendingReprice pending) {
        byKey.remove(key, new KnownKey.InFlight(pending));
    }

    /** The claimed reprice is durable: a retry gets its record from now on. Group-commit thread. */
    public synchronized void durable(String key, PendingReprice pending, PriceRecord record) {
        byKey.replace(key, new KnownKey.InFlight(pending), new KnownKey.Durable(record));
        remember(new WriteAheadLog.KeyedRecord(key, record));
    }

    /** Appends a durable key to the window's order and drops what falls out of it. Under this object's monitor. */
    private void remember(WriteAheadLog.KeyedRecord entry) {
        order.addLast(entry);
        changedSinceSaved = true;
        evict(entry.record().timestampNanos());
    }

    /** True if a retry with this product and price is the same request as the one that made the record. */
    public static boolean sameRequest(String productId, BigDecimal price, String originalProductId,
                               BigDecimal originalPrice) {
        return productId.equals(originalProductId) && price.equals(originalPrice); // 3.50 and 3.5 differ
    }

    private boolean expired(PriceRecord record, long nowNanos) {
        return record.timestampNanos() < nowNanos - maxAgeNanos;
    }

    private void evict(long newestNanos) {
        while (!order.isEmpty()
               && (order.size() > maxKeys || order.peekFirst().record().timestampNanos() < newestNanos - maxAgeNanos)) {
            WriteAheadLog.KeyedRecord oldest = order.pollFirst();
            byKey.remove(oldest.key(), new KnownKey.Durable(oldest.record()));
        }
    }

    /** Keys remembered (durable ones). */
    synchronized int size() {
        return order.size();
    }

    /** Writes the window to its file if it changed since the last save; see the class comment for when. */
    public void save() throws IOException {
        List<WriteAheadLog.KeyedRecord> entries;
        synchronized (this) {
            if (!changedSinceSaved) {
                return;
            }
            entries = new ArrayList<>(order);
            changedSinceSaved = false;
        }
        try {
            write(entries);
        } catch (IOException | RuntimeException e) {
            synchronized (this) {
                changedSinceSaved = true;
            }
            throw e;
        }
        LOG.fine(() -> "Saved " + entries.size() + " idempotency keys");
    }

    private void write(List<WriteAheadLog.KeyedRecord> entries) throws IOException {
        Files.createDirectories(directory);
        Path temporary = directory.resolve(FILE_NAME + ".tmp");
        ByteBuffer buffer = ByteBuffer.allocate(64 * WriteAheadLog.maxEntryBytes());
        try (FileChannel channel = files.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                                              StandardOpenOption.TRUNCATE_EXISTING)) {
            for (WriteAheadLog.KeyedRecord entry : entries) {
                if (buffer.remaining() < WriteAheadLog.maxEntryBytes()) {
                    writeOut(buffer, channel);
                }
                WriteAheadLog.encode(entry.record(), entry.key(), buffer);
            }
            writeOut(buffer, channel);
            channel.force(true);
        }
        files.move(temporary, directory.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE,
                   StandardCopyOption.REPLACE_EXISTING);
        Directories.fsync(files, directory);
    }

    private static void writeOut(ByteBuffer buffer, FileChannel channel) throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }
}
