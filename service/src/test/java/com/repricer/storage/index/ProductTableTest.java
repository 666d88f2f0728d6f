package com.repricer.storage.index;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.sameInstance;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProductTableTest {

    private static ProductState state(String id) {
        return new ProductState(ProductTable.key(id));
    }

    @Test
    void reserveMakesRoomOnceAndKeepsEveryEntry() {
        ProductTable table = new ProductTable();
        List<ProductState> added = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            added.add(state("before-" + i));
            table.add(added.getLast());
        }
        table.reserve(10_000);
        int capacity = table.capacity();
        for (int i = 0; i < 9_900; i++) {
            added.add(state("after-" + i));
            table.add(added.getLast());
        }
        assertThat(table.capacity(), is(capacity));
        for (ProductState product : added) {
            assertThat(table.get(product.id), is(sameInstance(product)));
        }
        List<ProductState> walked = new ArrayList<>();
        table.forEach(walked::add);
        assertThat(walked.size(), is(10_000));
        assertThat(new java.util.HashSet<>(walked), is(new java.util.HashSet<>(added)));
    }

    @Test
    void findsWhatWasAddedAndNothingElse() {
        ProductTable table = new ProductTable();
        ProductState p1 = state("p1");
        table.add(p1);
        assertThat(table.get("p1"), is(sameInstance(p1)));
        assertThat(table.get("p2"), is(nullValue()));
        assertThat(table.get(""), is(nullValue()));
        assertThat(table.get("p1 "), is(nullValue()));
        assertThat(table.size(), is(1));
        assertThrows(IllegalStateException.class, () -> table.add(state("p1")));
    }

    @Test
    void idsAreComparedAsUtf8Bytes() {
        ProductTable table = new ProductTable();
        List<String> ids = List.of("ä", "a\u0308", "日本", "😀", "\uD83D\uDE00x", "%2F", "a/b", "A", "a", "..",
                                   "+ ");
        for (String id : ids) {
            table.add(state(id));
        }
        for (String id : ids) {
            assertThat(id, new String(table.get(id).id, StandardCharsets.UTF_8), is(id));
        }
        assertThat(table.size(), is(ids.size()));
    }

    @Test
    void aLoneSurrogateHasNoKey() {
        assertThat(ProductTable.key("a\uD800"), is(nullValue()));
        assertThat(ProductTable.key("\uDC00a"), is(nullValue()));
        assertThat(ProductTable.key("\uD83D\uDE00"), is("😀".getBytes(StandardCharsets.UTF_8)));
        ProductTable table = new ProductTable();
        table.add(state("a?"));
        assertThat(table.get("a\uD800"), is(nullValue())); // not the product "a?" that getBytes would make of it
        assertThrows(IllegalArgumentException.class, () -> table.getOrAdd("a\uD800"));
    }

    @Test
    void getOrAddAddsOnce() {
        ProductTable table = new ProductTable();
        ProductState first = table.getOrAdd("p");
        assertThat(table.getOrAdd("p"), is(sameInstance(first)));
        assertThat(table.size(), is(1));
    }

    @Test
    void growsAndKeepsEveryEntryAtMostThreeQuartersFull() {
        ProductTable table = new ProductTable();
        int count = 100_000;
        for (int n = 0; n < count; n++) {
            table.add(state("p" + n));
            assertThat(table.size() * 4L, lessThanOrEqualTo(table.capacity() * 3L));
        }
        for (int n = 0; n < count; n++) {
            assertThat(new String(table.get("p" + n).id, StandardCharsets.UTF_8), is("p" + n));
        }
        assertThat(table.get("p" + count), is(nullValue()));
        assertThat(table.capacity(), is(1 << 18)); // 100 000 > 3/4 of 2^17
    }

    @Test
    void removesExactlyThatEntryAndReusesItsSlot() {
        ProductTable table = new ProductTable();
        List<ProductState> states = new ArrayList<>();
        for (int n = 0; n < 1000; n++) {
            ProductState state = state("p" + n);
            states.add(state);
            table.add(state);
        }
        table.remove(state("p5")); // another object with the same id: not that entry
        assertThat(table.get("p5"), is(sameInstance(states.get(5))));
        for (int n = 0; n < 1000; n += 2) {
            table.remove(states.get(n));
        }
        assertThat(table.size(), is(500));
        for (int n = 0; n < 1000; n++) {
            assertThat(table.get("p" + n), is(n % 2 == 0 ? nullValue() : sameInstance(states.get(n))));
        }
        ProductState again = state("p4");
        table.add(again);
        assertThat(table.get("p4"), is(sameInstance(again)));
        assertThat(table.size(), is(501));
    }

    @Test
    void manyAddsAndRemovesDoNotGrowTheTable() {
        ProductTable table = new ProductTable();
        for (int n = 0; n < 100_000; n++) {
            ProductState state = state("p" + n);
            table.add(state);
            table.remove(state);
        }
        assertThat(table.size(), is(0));
        assertThat(table.capacity(), is(1024)); // removal markers are swept out, not grown around
        assertThat(table.get("p99999"), is(nullValue()));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readersFindEveryEntryAddedBeforeWhileTheTableGrows() throws Exception {
        ProductTable table = new ProductTable();
        int count = 300_000;
        AtomicInteger added = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        long[] found = new long[3];
        for (int r = 0; r < found.length; r++) {
            int slot = r;
            readers.add(Thread.ofPlatform().start(() -> {
                try {
                    int seed = slot;
                    while (added.get() < count) {
                        int visible = added.get(); // ids below this were added before
                        if (visible == 0) {
                            continue;
                        }
                        seed = seed * 1_103_515_245 + 12_345;
                        int n = Math.floorMod(seed, visible);
                        ProductState state = table.get("p" + n);
                        if (state == null || !new String(state.id, StandardCharsets.UTF_8).equals("p" + n)) {
                            throw new AssertionError("p" + n + " missing with " + visible + " added");
                        }
                        found[slot]++;
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (int n = 0; n < count; n++) {
            table.add(state("p" + n));
            added.set(n + 1);
        }
        for (Thread reader : readers) {
            reader.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        for (long f : found) {
            assertThat(f, greaterThan(0L));
        }
    }
}
