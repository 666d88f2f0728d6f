package com.repricer.storage.index;

import com.repricer.rules.ProductIdRule;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Every product's state by id: an open-addressing hash table (linear probing) of {@link ProductState}s, each
 * holding its own id as UTF-8 bytes. It takes the place of a {@code ConcurrentHashMap<String, ProductState>}, whose
 * node (32 bytes) and {@code String} key (24 bytes besides the bytes) per product were over half the in-memory
 * state of a large catalogue. Entries are only added and (rarely) removed, never replaced.
 *
 * <p>Concurrency:
 * <ul>
 *   <li>Readers take no lock: they read {@link #slots} once and probe from the id's home slot to the id or an
 *       empty slot.</li>
 *   <li>Writers ({@link #add}, {@link #getOrAdd}, {@link #remove}, and growing) hold this table's lock, besides
 *       the stripe lock the ledger holds for the product. An entry is fully built before a slot points to it
 *       (release store, acquire load).</li>
 *   <li>Within one array an entry never moves and a slot never becomes empty again: a removal leaves the
 *       {@link #REMOVED} marker. So a reader's probe passes every slot it passed when the entry was added and
 *       cannot stop short of it.</li>
 *   <li>Growing (or sweeping out markers) fills a new array completely, then publishes it in the volatile
 *       {@link #slots}. A reader still probing the old array sees the table as it was before: every entry added
 *       before its read of {@link #slots}. An entry it finds there may have been removed since; removal only ever
 *       happens to products with no durable record, which readers treat as absent anyway.</li>
 * </ul>
 * Load factor at most 3/4, counting removal markers, so every probe ends at an empty slot.
 */
public final class ProductTable {

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(ProductState[].class);
    private static final int INITIAL_CAPACITY = 1024;
    /** Left in the slot of a removed entry. Its empty id matches no product: ids have 1–512 bytes. */
    private static final ProductState REMOVED = new ProductState(new byte[0]);

    private volatile ProductState[] slots = new ProductState[INITIAL_CAPACITY];
    private volatile int size;
    /** Slots that are not empty: entries and removal markers. Under the lock. */
    private int used;

    /**
     * The table's key for a product id: its UTF-8 bytes, or {@code null} if the id has a lone surrogate (it has
     * no UTF-8 form: {@code getBytes} would turn it into {@code ?}, and two different ids into one key).
     */
    public static byte[] key(String productId) {
        return ProductIdRule.utf8(productId);
    }

    /**
     * The hash of an id, mixed: ids like {@code p1, p2, …} would otherwise hash alike. Not stored in the entry
     * (4 bytes would take a {@code ProductState} from 56 to 64 bytes): a probe compares ids, which compares
     * lengths first, and growing hashes every id again.
     */
    static int hash(byte[] key) {
        int h = Arrays.hashCode(key);
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >>> 16);
    }

    /** Any thread, no lock. */
    public ProductState get(String productId) {
        byte[] key = key(productId);
        return key == null ? null : get(key, hash(key));
    }

    /** @param key from {@link #key} */
    public ProductState get(byte[] key) {
        return get(key, hash(key));
    }

    private ProductState get(byte[] key, int hash) {
        ProductState[] table = slots;
        int mask = table.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            ProductState entry = (ProductState) SLOT.getAcquire(table, i);
            if (entry == null) {
                return null;
            }
            if (entry != REMOVED && Arrays.equals(entry.id, key)) {
                return entry;
            }
        }
    }

    /**
     * Adds a new product. The caller holds the product's stripe lock and has seen {@link #get} return
     * {@code null} under it, so the id is not in the table.
     */
    public synchronized void add(ProductState product) {
        if (insert(product) != product) {
            throw new IllegalStateException("product added twice: "
                                            + new String(product.id, StandardCharsets.UTF_8));
        }
    }

    /** The product with this id, added if new. For the recovery thread, which replays before anyone reads. */
    public synchronized ProductState getOrAdd(String productId) {
        byte[] key = key(productId);
        if (key == null) {
            throw new IllegalArgumentException("product id with a lone surrogate: " + productId);
        }
        ProductState found = get(key);
        return found != null ? found : insert(new ProductState(key));
    }

    /** Removes exactly this entry, if it is in the table. */
    public synchronized void remove(ProductState product) {
        ProductState[] table = slots;
        int mask = table.length - 1;
        for (int i = hash(product.id) & mask; table[i] != null; i = (i + 1) & mask) {
            if (table[i] == product) {
                SLOT.setRelease(table, i, REMOVED);
                size--;
                return;
            }
        }
    }

    /**
     * Makes room for {@code expected} entries in all, so that adding them rebuilds the table at most once (restoring
     * a million products from the index snapshot would otherwise rebuild it ten times).
     */
    public synchronized void reserve(int expected) {
        int capacity = slots.length;
        while (expected * 4L > capacity * 3L) {
            capacity *= 2;
        }
        if (capacity > slots.length) {
            rebuild(capacity);
        }
    }

    /** Drops every entry, as {@link HistoryIndex#clear}: the recovery thread, before anyone reads. */
    public synchronized void clear() {
        slots = new ProductState[INITIAL_CAPACITY];
        size = 0;
        used = 0;
    }

    /**
     * Every entry of the table as it was when this read {@link #slots}, once each; any thread, no lock (for the
     * index snapshot). Entries added since may be missed, and a removed one may still be passed.
     */
    public void forEach(Consumer<ProductState> action) {
        ProductState[] table = slots;
        for (int i = 0; i < table.length; i++) {
            ProductState entry = (ProductState) SLOT.getAcquire(table, i);
            if (entry != null && entry != REMOVED) {
                action.accept(entry);
            }
        }
    }

    /** Entries in the table. */
    public int size() {
        return size;
    }

    /** Slots in the current array (for tests). */
    int capacity() {
        return slots.length;
    }

    /** Under the lock: the entry with {@code product}'s id, {@code product} itself if there was none. */
    private ProductState insert(ProductState product) {
        if ((used + 1) * 4L > slots.length * 3L) {
            rebuild();
        }
        ProductState[] table = slots;
        int mask = table.length - 1;
        int free = -1;
        int i = hash(product.id) & mask;
        for (ProductState entry; (entry = table[i]) != null; i = (i + 1) & mask) {
            if (entry == REMOVED) {
                free = free < 0 ? i : free;
            } else if (Arrays.equals(entry.id, product.id)) {
                return entry;
            }
        }
        if (free < 0) {
            free = i;
            used++;
        }
        SLOT.setRelease(table, free, product);
        size++;
        return product;
    }

    /** Under the lock: a new array without markers, twice as large unless markers were most of the load. */
    private void rebuild() {
        int capacity = slots.length;
        if ((size + 1) * 8L > capacity * 3L) {
            capacity *= 2;
        }
        rebuild(capacity);
    }

    /** Under the lock: the entries in a new array of {@code capacity} slots, without markers. */
    private void rebuild(int capacity) {
        ProductState[] table = new ProductState[capacity];
        int mask = capacity - 1;
        for (ProductState entry : slots) {
            if (entry != null && entry != REMOVED) {
                int i = hash(entry.id) & mask;
                while (table[i] != null) {
                    i = (i + 1) & mask;
                }
                table[i] = entry;
            }
        }
        used = size;
        slots = table; // publishes the filled array
    }
}
