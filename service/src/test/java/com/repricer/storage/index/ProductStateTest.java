package com.repricer.storage.index;

import com.repricer.storage.PendingReprice;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.StorageFixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/** The compact per-product state: inlined positions, prices built on demand, and what concurrent readers see. */
class ProductStateTest {

    private static final long BASE_NANOS = StorageFixtures.BASE_NANOS;
    private static final BigDecimal WIDE_BASE = new BigDecimal("10000000000000000000.000000000000000000");

    // ---- positions (SequenceList) ----

    @Test
    void noRecordsNoPositions() {
        SequenceList list = new SequenceList();
        assertThat(list.size(), is(0));
    }

    @Test
    void oneRecordIsKeptInline() {
        SequenceList list = new SequenceList();
        list.add(42);
        assertThat(list.size(), is(1));
        assertThat(list.sequenceAt(0), is(42L));
    }

    @Test
    void twoRecords() {
        SequenceList list = new SequenceList();
        list.add(7);
        list.add(1_000_000_000L);
        assertThat(list.size(), is(2));
        assertThat(list.sequenceAt(0), is(7L));
        assertThat(list.sequenceAt(1), is(1_000_000_000L));
    }

    @Test
    void manyRecordsAcrossEveryGrowthStep() {
        SequenceList list = new SequenceList();
        for (int n = 1; n <= 10_000; n++) {
            list.add(3L * n);
            assertThat(list.size(), is(n));
            assertThat(list.sequenceAt(n - 1), is(3L * n));
        }
        for (int i = 0; i < 10_000; i++) {
            assertThat(list.sequenceAt(i), is(3L * (i + 1)));
        }
    }

    /** Sequences run past 2^31 and 2^32 (a history of months): positions are longs, held as offsets from a base. */
    @Test
    void positionsPastTheIntRange() {
        for (long start : new long[] {Integer.MAX_VALUE - 500L, (1L << 32) - 500, 3L << 40}) {
            SequenceList list = new SequenceList();
            List<Long> added = new ArrayList<>();
            for (long sequence = start; added.size() < 2_000; sequence += 1 + added.size() % 3) {
                list.add(sequence);
                added.add(sequence);
            }
            for (int i = 0; i < added.size(); i++) {
                assertThat(list.sequenceAt(i), is(added.get(i)));
            }
            list.dropBefore(added.get(1_500));
            assertThat(list.firstIndex(), is(1_500));
            assertThat(list.sequenceAt(1_999), is(added.get(1_999)));
            list.add(added.get(1_999) + 1);
            assertThat(list.sequenceAt(2_000), is(added.get(1_999) + 1));
        }
    }

    /**
     * A position 2^31 or more past the array's base rebuilds the array around a new one: the positions that far
     * behind the new one go (they left the index long ago: it never holds 2^31 records), the nearer ones stay.
     */
    @Test
    void aPositionFarPastTheBaseDropsOnlyThoseThatFarBehindIt() {
        SequenceList list = new SequenceList();
        for (long sequence = 1; sequence <= 10; sequence++) {
            list.add(sequence);
        }
        long near = Integer.MAX_VALUE - 3L;
        list.add(near);
        list.add(near + 1);
        long far = near + 20;
        list.add(far); // 2^31 + 16 past the base (record 2): records 2 to 10 are that far behind, the near ones not
        assertThat(list.size(), is(13));
        assertThat(list.firstIndex(), is(10));
        assertThat(list.sequenceAt(10), is(near));
        assertThat(list.sequenceAt(11), is(near + 1));
        assertThat(list.sequenceAt(12), is(far));
        assertThrows(HistoryTrimmedException.class, () -> list.sequenceAt(9));
        for (int i = 1; i <= 100; i++) { // and it grows on from the new base
            list.add(far + i);
            assertThat(list.sequenceAt(12 + i), is(far + i));
        }

        SequenceList lonely = new SequenceList(); // a product whose last record is 2^31 behind its next one
        lonely.add(5);
        lonely.add(6);
        lonely.dropBefore(100);
        lonely.add(1L << 33);
        assertThat(lonely.size(), is(3));
        assertThat(lonely.firstIndex(), is(2));
        assertThat(lonely.sequenceAt(2), is(1L << 33));
    }

    /** Recovery carries an archived record into a product's last position: that one may be far past the others. */
    @Test
    void replacingTheLastPositionWithOneFarPastTheBase() {
        SequenceList list = new SequenceList();
        for (long sequence = 1; sequence <= 5; sequence++) {
            list.add(sequence);
        }
        list.replaceLast(6);
        assertThat(list.sequenceAt(4), is(6L));
        list.replaceLast(5L << 31);
        assertThat(list.size(), is(5));
        assertThat(list.sequenceAt(4), is(5L << 31));
        assertThat(list.firstIndex(), is(4));
        list.add((5L << 31) + 1);
        assertThat(list.sequenceAt(5), is((5L << 31) + 1));

        SequenceList single = new SequenceList();
        single.add(3);
        single.replaceLast(1L << 40);
        assertThat(single.sequenceAt(0), is(1L << 40));
    }

    /** History retention drops the positions of deleted records; indexes stay, the last position always stays. */
    @Test
    void droppedPositionsLeaveTheListAndTheOthersKeepTheirIndexes() {
        SequenceList list = new SequenceList();
        for (int n = 1; n <= 100; n++) {
            list.add(10L * n);
        }
        list.dropBefore(505); // records 10 … 500 deleted
        assertThat(list.size(), is(100));
        assertThat(list.firstIndex(), is(50));
        for (int i = 50; i < 100; i++) {
            assertThat(list.sequenceAt(i), is(10L * (i + 1)));
        }
        assertThrows(HistoryTrimmedException.class, () -> list.sequenceAt(49));
        assertThrows(HistoryTrimmedException.class, () -> list.sequenceAt(0));
        list.add(1010); // appends go on after a drop, across growth steps
        for (int n = 102; n <= 300; n++) {
            list.add(10L * n);
        }
        assertThat(list.sequenceAt(299), is(3000L));
        assertThat(list.sequenceAt(100), is(1010L));

        list.dropBefore(1_000_000); // every record deleted: the last position stays (the product's last price)
        assertThat(list.firstIndex(), is(299));
        assertThat(list.sequenceAt(299), is(3000L));
        list.dropBefore(1_000_000);
        assertThat(list.firstIndex(), is(299));

        SequenceList two = new SequenceList();
        two.add(1);
        two.add(2);
        two.dropBefore(5); // only the first field would go: nothing is copied
        assertThat(two.firstIndex(), is(0));
        assertThat(two.sequenceAt(1), is(2L));
    }

    // ---- last durable record ----

    /** The i-th record of the test product: every third one has a price that does not fit a long. */
    private static BigDecimal priceOf(long sequence) {
        return sequence % 3 == 0 ? WIDE_BASE.add(BigDecimal.valueOf(sequence)) : BigDecimal.valueOf(sequence, 2);
    }

    private static PriceRecord recordOf(long sequence) {
        return new PriceRecord(sequence, "p", sequence == 1 ? null : priceOf(sequence - 1), priceOf(sequence),
                               BASE_NANOS + sequence);
    }

    @Test
    void addAllAppendsLikeAddOneByOne() {
        for (int before : new int[] {0, 1, 2, 5}) {
            for (int count : new int[] {1, 2, 9}) {
                SequenceList one = new SequenceList();
                SequenceList all = new SequenceList();
                for (int i = 0; i < before; i++) {
                    one.add(i + 1L);
                    all.add(i + 1L);
                }
                for (int i = 0; i < count; i++) {
                    one.add(100L + 7 * i);
                }
                long[] next = {100L};
                all.addAll(count, () -> {
                    long sequence = next[0];
                    next[0] += 7;
                    return sequence;
                });
                assertThat(all.size(), is(one.size()));
                for (int i = 0; i < one.size(); i++) {
                    assertThat(all.sequenceAt(i), is(one.sequenceAt(i)));
                }
                all.add(1_000L);
                assertThat(all.sequenceAt(before + count), is(1_000L));
            }
        }
    }

    /** What the index snapshot restores is what publishing the same records leaves (the index's timestamps aside). */
    @Test
    void restoreLeavesWhatPublishLeaves() {
        HistoryIndex index = new HistoryIndex();
        ProductState published = new ProductState(new byte[] {(byte) 0x70});
        for (long sequence = 1; sequence <= 7; sequence++) {
            published.publish(recordOf(sequence), index);
        }
        ProductState restored = new ProductState(new byte[] {(byte) 0x70});

        long[] next = {1};
        restored.restore(recordOf(7).newPrice(), recordOf(7).previousPrice(), 7, () -> next[0]++, index::timestampOf);

        assertThat(restored.latest("p"), is(published.latest("p")));
        assertThat(restored.size(), is(7));
    }

    @Test
    void latestIsBuiltFromThePackedPricesThePositionsAndTheIndex() {
        HistoryIndex index = new HistoryIndex();
        ProductState product = new ProductState(new byte[] {(byte) 0x70});
        assertThat(product.latest("p"), is(nullValue()));
        assertThat(product.hasRecords(), is(false));
        for (long sequence = 1; sequence <= 7; sequence++) {
            product.publish(recordOf(sequence), index);
            assertThat(product.latest("p"), is(recordOf(sequence)));
            assertThat(product.size(), is((int) sequence));
        }
        assertThat(product.hasRecords(), is(true));
    }

    @Test
    void scalesAndWidePricesSurviveExactly() {
        HistoryIndex index = new HistoryIndex();
        ProductState product = new ProductState(new byte[] {(byte) 0x70});
        List<BigDecimal> prices = List.of(new BigDecimal("3.50"),
                                          new BigDecimal("99999999999999999999.999999999999999999"),
                                          new BigDecimal("100"), new BigDecimal("0.000000000000000001"),
                                          new BigDecimal("1.000000000000000000"), new BigDecimal("3.50"));
        BigDecimal previous = null;
        long sequence = 1;
        for (BigDecimal price : prices) {
            PriceRecord record = new PriceRecord(sequence, "p", previous, price, BASE_NANOS + sequence);
            product.publish(record, index);
            PriceRecord latest = product.latest("p");
            assertThat(latest, is(record));
            assertThat(latest.newPrice().toPlainString(), is(price.toPlainString()));
            previous = price;
            sequence++;
        }
    }

    @Test
    void anIndexThatRefusesTheRecordLeavesTheProductAsItWas() {
        HistoryIndex index = new HistoryIndex();
        ProductState product = new ProductState(new byte[] {(byte) 0x70});
        product.publish(recordOf(1), index);
        try {
            product.publish(recordOf(3), index); // the index expects sequence 2
        } catch (IllegalStateException expected) {
            // as it should
        }
        assertThat(product.latest("p"), is(recordOf(1))); // and readers do not spin on an odd version
    }

    @Test
    void acceptedPriceRunsAheadUntilSettled() {
        HistoryIndex index = new HistoryIndex();
        ProductState product = new ProductState(new byte[] {(byte) 0x70});
        assertThat(product.acceptedPrice(), is(nullValue()));
        PendingReprice first = new PendingReprice(product, "p", null, new BigDecimal("1.10"), null);
        product.accepted(first);
        assertThat(product.acceptedPrice(), is(new BigDecimal("1.10")));
        PendingReprice second = new PendingReprice(product, "p", new BigDecimal("1.10"), new BigDecimal("2.20"),
                                                   null);
        product.accepted(second);
        product.publish(new PriceRecord(1, "p", null, new BigDecimal("1.10"), BASE_NANOS), index);
        product.settled(first); // a newer one is in flight: stays
        assertThat(product.acceptedPrice(), is(new BigDecimal("2.20")));
        product.publish(new PriceRecord(2, "p", new BigDecimal("1.10"), new BigDecimal("2.20"), BASE_NANOS + 1),
                        index);
        product.settled(second);
        assertThat(product.acceptedPrice(), is(new BigDecimal("2.20"))); // now from the durable fields

        PendingReprice refused = new PendingReprice(product, "p", new BigDecimal("2.20"), new BigDecimal("3.30"),
                                                     null);
        product.accepted(refused);
        product.rollBack();
        assertThat(product.acceptedPrice(), is(new BigDecimal("2.20")));
    }

    // ---- one writer, many readers ----

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readersNeverSeeAMixOfTwoRecordsOrAPositionThatIsNotThere() throws Exception {
        int records = 200_000;
        HistoryIndex index = new HistoryIndex();
        ProductState product = new ProductState(new byte[] {(byte) 0x70});
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        long[] reads = new long[3];
        for (int r = 0; r < reads.length; r++) {
            int slot = r;
            readers.add(Thread.ofPlatform().start(() -> {
                try {
                    long lastSeen = 0;
                    while (!done.get()) {
                        PriceRecord latest = product.latest("p");
                        int size = product.size();
                        if (latest != null) {
                            long sequence = latest.sequence();
                            if (!latest.equals(recordOf(sequence))) {
                                throw new AssertionError("inconsistent " + latest);
                            }
                            if (sequence < lastSeen || size < sequence) {
                                throw new AssertionError("went back: " + sequence + " after " + lastSeen
                                                         + ", size " + size);
                            }
                            lastSeen = sequence;
                        }
                        // every position below a size read is there, also while the array grows
                        for (int i = Math.max(0, size - 4); i < size; i++) {
                            if (product.sequenceAt(i) != i + 1) {
                                throw new AssertionError("position " + i + " is " + product.sequenceAt(i));
                            }
                        }
                        reads[slot]++;
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (long sequence = 1; sequence <= records; sequence++) {
            product.publish(recordOf(sequence), index);
        }
        done.set(true);
        for (Thread reader : readers) {
            reader.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertThat(product.latest("p"), is(recordOf(records)));
        for (long count : reads) {
            assertThat(count, greaterThan(0L));
        }
    }
}
