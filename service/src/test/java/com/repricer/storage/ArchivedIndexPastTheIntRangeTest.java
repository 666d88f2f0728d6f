package com.repricer.storage;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static com.repricer.storage.StorageFixtures.price;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

/**
 * {@link ArchivedIndexTest}'s pages, moves and restarts with a history whose sequences cross 2^31 (its 41st
 * record is sequence 2^31): months of history at a thousand reprices a second get there in 25 days, and the index
 * held sequences as ints before. The history starts there as history retention leaves it, with a product carried
 * from the deleted records.
 */
class ArchivedIndexPastTheIntRangeTest extends ArchivedIndexTest {

    @Override
    long firstSequence() {
        return Integer.MAX_VALUE - 39L;
    }

    @Test
    void theCarriedProductKeepsItsPriceAndItsChainGoesOnPastTheRange() throws IOException {
        Ledger ledger = open(Duration.ofDays(1));
        PriceRecord carried = ledger.latest(CARRIED).orElseThrow();
        assertThat(carried.sequence(), is(firstSequence() - 1));
        assertThat(carried.newPrice(), equalTo(price("3.25")));
        PriceRecord next = ledger.reprice(CARRIED, price("4.50"));
        assertThat(next.sequence(), is(firstSequence() + 120));
        assertThat(next.previousPrice(), equalTo(price("3.25")));
        assertThat(ledger.latest(CARRIED).orElseThrow(), equalTo(next));
    }
}
