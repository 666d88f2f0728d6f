package com.repricer.storage.index;

import com.repricer.storage.PendingReprice;
import com.repricer.storage.PriceRecord;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * One product's state, kept compact (one of these per product lives on the heap for as long as the service
 * runs): the last durable record's prices packed into longs ({@link CompactPrice}), not a {@link PriceRecord}
 * with its {@code BigDecimal}s, and its timestamp; its sequence number is not stored here but read from the
 * product's positions (this class extends {@link SequenceList}, saving an object and its header). The timestamp is
 * kept here (8 bytes a product) rather than read from the {@link HistoryIndex} because history retention may
 * delete the product's last record from the index: its last price stays what {@code GET …/price} answers.
 *
 * <p>Two kinds of state with two sets of rules:
 * <ul>
 *   <li><b>Accepted</b> ({@link #inFlight}) runs ahead of the disk: the newest reprice handed to the log and
 *       maybe not durable yet, whose price the next reprice takes as its previous price; {@code null} when every
 *       accepted reprice is durable, and then the accepted price is the last durable one. Set under the product's
 *       stripe lock ({@link #accepted}); the failure rollback clears it while holding every stripe
 *       ({@link #rollBack}); the reprice's own caller clears it once its record is durable, with a
 *       compare-and-set that does nothing if a newer reprice replaced it ({@link #settled}). Until that CAS
 *       the field keeps pointing at a durable reprice, whose price is then still the last accepted one.</li>
 *   <li><b>Durable</b> (the last durable record, what readers see): written only by the one writer thread (the
 *       group-commit thread; the recovery thread before that one starts) in {@link #publish}, under a sequence
 *       lock: {@link #version} is odd while the writer changes the prices and appends the position, even
 *       otherwise. A reader reads the version, the fields, and the version again, and retries unless both reads
 *       saw the same even value. Every field involved is volatile, so all these accesses are totally ordered
 *       and a reader that saw the same even version twice saw no write in between: it never mixes two
 *       records.</li>
 * </ul>
 */
public final class ProductState extends SequenceList {

    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(ProductState.class, "inFlight", PendingReprice.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The prices of a durable record when one of them does not fit a long (rare; see {@link CompactPrice}). */
    private record WidePrices(BigDecimal newPrice, BigDecimal previousPrice) {
    }

    /** The product id in UTF-8: the key in the {@link ProductTable}. */
    public final byte[] id;
    /** See the class comment: guarded by the stripe lock, cleared by {@link #settled} without it. */
    private volatile PendingReprice inFlight;
    /** Sequence lock over the durable fields below and the positions: odd while the writer changes them. */
    private volatile int version;
    /** The last durable record's new price, packed; {@link CompactPrice#NONE} until there is one. */
    private volatile long price;
    /** The last durable record's previous price, packed; {@link CompactPrice#NONE} for a first record. */
    private volatile long previousPrice;
    /** Both prices of the last durable record if either packed to {@link CompactPrice#WIDE}, else {@code null}. */
    private volatile WidePrices wide;
    /** The last durable record's timestamp, epoch nanoseconds. */
    private volatile long timestampNanos;

    /** @param id from {@link ProductTable#key} */
    public ProductState(byte[] id) {
        this.id = id;
    }

    /** The price the next reprice takes as its previous price, {@code null} if none. Under the stripe lock. */
    public BigDecimal acceptedPrice() {
        PendingReprice newest = inFlight;
        return newest != null ? newest.newPrice() : durablePrice();
    }

    /** {@code reprice} was handed to the log. Under the stripe lock. */
    public void accepted(PendingReprice reprice) {
        inFlight = reprice;
    }

    /** {@code reprice} is durable: if no newer reprice was accepted since, the accepted price is the durable one. */
    public void settled(PendingReprice reprice) {
        IN_FLIGHT.compareAndSet(this, reprice, null);
    }

    /** After a storage failure refused every reprice in flight, the last durable price is the accepted one again. */
    public void rollBack() {
        inFlight = null;
    }

    /** Whether any record of this product is durable. */
    public boolean hasRecords() {
        return size() > 0;
    }

    /**
     * Makes {@code record} this product's last durable record and adds it to the index. Writer thread only, in
     * sequence order.
     */
    public void publish(PriceRecord record, HistoryIndex index) {
        long newPacked = CompactPrice.pack(record.newPrice());
        long previousPacked = CompactPrice.pack(record.previousPrice());
        WidePrices newWide = newPacked == CompactPrice.WIDE || previousPacked == CompactPrice.WIDE
                             ? new WidePrices(record.newPrice(), record.previousPrice()) : null;
        int stable = version;
        version = stable + 1;
        try {
            index.add(record, this); // checks the sequence before it changes anything
            price = newPacked;
            previousPrice = previousPacked;
            wide = newWide;
            timestampNanos = record.timestampNanos();
        } finally {
            version = stable + 2;
        }
    }

    /**
     * Restores the product from one part of the index snapshot: appends its record positions and makes that
     * part's last record of it the last durable one (the snapshot restores the index's timestamps itself). The
     * recovery thread, before anyone reads.
     *
     * @param previousPrice the last record's previous price, {@code null} if it was the product's first
     * @param nextSequence  called {@code count} times for the product's next record sequences, ascending
     * @param lastTimestamp the last record's timestamp, given its sequence (the last one {@code nextSequence} gave)
     */
    public void restore(BigDecimal newPrice, BigDecimal previousPrice, int count, LongSupplier nextSequence,
                        LongUnaryOperator lastTimestamp) {
        addAll(count, nextSequence);
        timestampNanos = lastTimestamp.applyAsLong(sequenceAt(size() - 1));
        long newPacked = CompactPrice.pack(newPrice);
        long previousPacked = CompactPrice.pack(previousPrice);
        price = newPacked;
        this.previousPrice = previousPacked;
        wide = newPacked == CompactPrice.WIDE || previousPacked == CompactPrice.WIDE
               ? new WidePrices(newPrice, previousPrice) : null;
    }

    /**
     * Makes {@code record}, an archived record that recovery does not index, the product's last durable record;
     * its position replaces the product's last one (positions before the index's start are dropped on the
     * writer's first turn, all but the last). The recovery thread, before anyone reads.
     */
    public void carry(PriceRecord record) {
        replaceLast(record.sequence());
        timestampNanos = record.timestampNanos();
        long newPacked = CompactPrice.pack(record.newPrice());
        long previousPacked = CompactPrice.pack(record.previousPrice());
        price = newPacked;
        previousPrice = previousPacked;
        wide = newPacked == CompactPrice.WIDE || previousPacked == CompactPrice.WIDE
               ? new WidePrices(record.newPrice(), record.previousPrice()) : null;
    }

    /** The last durable record, built on demand, or {@code null} if there is none yet. Any thread. */
    public PriceRecord latest(String productId) {
        while (true) {
            int stable = version;
            if ((stable & 1) == 0) {
                int count = size();
                long newPacked = price;
                long previousPacked = previousPrice;
                WidePrices wideNow = wide;
                long timestamp = timestampNanos;
                if (version == stable) {
                    if (count == 0) {
                        return null;
                    }
                    long sequence = sequenceAt(count - 1); // positions below a size read never change
                    BigDecimal newPrice = CompactPrice.unpack(newPacked, wideNow == null ? null : wideNow.newPrice());
                    BigDecimal previous = CompactPrice.unpack(previousPacked,
                                                              wideNow == null ? null : wideNow.previousPrice());
                    return new PriceRecord(sequence, productId, previous, newPrice, timestamp);
                }
            }
            Thread.onSpinWait();
        }
    }

    /** The last durable price, {@code null} if none. Any thread. */
    private BigDecimal durablePrice() {
        while (true) {
            int stable = version;
            if ((stable & 1) == 0) {
                long newPacked = price;
                WidePrices wideNow = wide;
                if (version == stable) {
                    return CompactPrice.unpack(newPacked, wideNow == null ? null : wideNow.newPrice());
                }
            }
            Thread.onSpinWait();
        }
    }
}
