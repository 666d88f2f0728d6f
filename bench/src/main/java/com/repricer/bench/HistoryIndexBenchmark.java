package com.repricer.bench;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.index.HistoryIndex;
import com.repricer.storage.index.SequenceList;


import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.math.BigDecimal;

/**
 * Index lookup for a page, over 1 M records (1 000 products plus one product with 100 k records): page 1 against
 * page 40 000 of everything, and the first against the last page of the busy product. O(log N + page): the
 * deep pages should cost what page 1 costs.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class HistoryIndexBenchmark {

    private static final int RECORDS = 1_000_000;
    private static final int HOT_EVERY = 10;
    private static final int PAGE = 25;

    private final HistoryIndex index = new HistoryIndex();
    private final SequenceList hot = new SequenceList();

    @Setup
    public void setUp() {
        SequenceList[] products = new SequenceList[1000];
        for (int i = 0; i < products.length; i++) {
            products[i] = new SequenceList();
        }
        BigDecimal price = BigDecimal.ONE;
        for (long sequence = 1; sequence <= RECORDS; sequence++) {
            SequenceList product = sequence % HOT_EVERY == 0 ? hot : products[(int) (sequence % products.length)];
            index.add(new PriceRecord(sequence, "p", null, price, 1_000_000_000L * sequence), product);
        }
    }

    // All products: the index answers where from and to fall (two binary searches); the page between them is
    // arithmetic on contiguous sequences (HistoryReader), here as the sequences of a page.

    @Benchmark
    public long[] allFirstPage() {
        return allPage(Long.MIN_VALUE, Long.MAX_VALUE, 0);
    }

    @Benchmark
    public long[] allPage40000() {
        return allPage(Long.MIN_VALUE, Long.MAX_VALUE, 39_999L * PAGE);
    }

    @Benchmark
    public HistoryIndex.PageSequences productFirstPage() {
        return index.page(hot, 0, Long.MIN_VALUE, Long.MAX_VALUE, 0, PAGE);
    }

    @Benchmark
    public HistoryIndex.PageSequences productLastPage() {
        return index.page(hot, 0, Long.MIN_VALUE, Long.MAX_VALUE, RECORDS / HOT_EVERY - PAGE, PAGE);
    }

    @Benchmark
    public long[] allWithTimeBounds() {
        return allPage(1_000_000_000L * 300_000, 1_000_000_000L * 700_000, 10_000L * PAGE);
    }

    private long[] allPage(long fromNanos, long toNanos, long offset) {
        long start = index.firstAtOrAfter(0, fromNanos) + offset;
        long end = index.firstAtOrAfter(0, toNanos);
        long[] sequences = new long[(int) Math.max(0, Math.min(PAGE, end - start))];
        for (int i = 0; i < sequences.length; i++) {
            sequences[i] = start + i;
        }
        return sequences;
    }
}
