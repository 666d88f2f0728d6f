package com.repricer.storage.index;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CompactPriceTest {

    private static final BigInteger LIMIT = BigInteger.ONE.shiftLeft(58); // first unscaled value that does not fit

    private static BigDecimal roundTrip(BigDecimal price) {
        long packed = CompactPrice.pack(price);
        assertThat("packs " + price, packed == CompactPrice.WIDE || packed == CompactPrice.NONE, is(false));
        return CompactPrice.unpack(packed);
    }

    @Test
    void everyScaleFrom0To18RoundTripsWithItsScale() {
        for (int scale = 0; scale <= 18; scale++) {
            for (long unscaled : new long[] {1, 7, 350, 999_999, 123_456_789_012L, LIMIT.longValue() - 1}) {
                BigDecimal price = BigDecimal.valueOf(unscaled, scale);
                BigDecimal back = roundTrip(price);
                assertThat(back, is(price)); // BigDecimal.equals: value and scale
                assertThat(back.scale(), is(scale));
                assertThat(back.toPlainString(), is(price.toPlainString()));
            }
        }
    }

    @Test
    void trailingZerosStayAsWritten() {
        assertThat(roundTrip(new BigDecimal("3.50")).toPlainString(), is("3.50"));
        assertThat(roundTrip(new BigDecimal("3.50")), is(not(new BigDecimal("3.5"))));
        assertThat(roundTrip(new BigDecimal("100")).toPlainString(), is("100"));
        assertThat(roundTrip(new BigDecimal("0.000000000000000001")).toPlainString(), is("0.000000000000000001"));
        assertThat(roundTrip(new BigDecimal("0.100000000000000000")).toPlainString(), is("0.100000000000000000"));
    }

    @Test
    void distinctPricesPackDistinctly() {
        long a = CompactPrice.pack(new BigDecimal("3.50"));
        long b = CompactPrice.pack(new BigDecimal("3.5"));
        long c = CompactPrice.pack(new BigDecimal("35.0"));
        assertThat(a == b || b == c || a == c, is(false));
        assertThat(CompactPrice.pack(new BigDecimal("3.50")), is(a));
    }

    @Test
    void theLargestPackableValuesAndTheFirstThatAreNot() {
        BigDecimal largest = new BigDecimal(LIMIT.subtract(BigInteger.ONE), 18);
        assertThat(roundTrip(largest), is(largest));
        BigDecimal smallest = new BigDecimal(LIMIT.negate(), 3);
        assertThat(roundTrip(smallest), is(smallest));

        assertThat(CompactPrice.pack(new BigDecimal(LIMIT, 0)), is(CompactPrice.WIDE));
        assertThat(CompactPrice.pack(new BigDecimal(LIMIT.negate().subtract(BigInteger.ONE), 0)),
                   is(CompactPrice.WIDE));
    }

    @Test
    void valuesNeedingMoreThanALongAreWideAndKeptBeside() {
        BigDecimal[] wide = {
                new BigDecimal("99999999999999999999.999999999999999999"), // DECIMAL(38,18) at its largest
                new BigDecimal("12345678901234567890"),                    // more than a long, scale 0
                new BigDecimal("9223372036854775807"),                     // Long.MAX_VALUE itself
                new BigDecimal("1.000000000000000001"),                    // 19 significant digits
                new BigDecimal("1.000000000000000000"),                    // 10^18 unscaled: over 2^58
                new BigDecimal("1.0000000000000000000"),                   // scale 19
                new BigDecimal("1e2"),                                     // scale −2 (not storable, still exact)
        };
        for (BigDecimal price : wide) {
            assertThat(price.toString(), CompactPrice.pack(price), is(CompactPrice.WIDE));
            assertThat(CompactPrice.unpack(CompactPrice.WIDE, price), is(price));
        }
    }

    @Test
    void noneStandsForNoPrice() {
        assertThat(CompactPrice.pack(null), is(CompactPrice.NONE));
        assertThat(CompactPrice.unpack(CompactPrice.NONE, null), is(nullValue()));
        assertThat(CompactPrice.unpack(CompactPrice.NONE, BigDecimal.TEN), is(nullValue()));
        assertThrows(IllegalArgumentException.class, () -> CompactPrice.unpack(CompactPrice.NONE));
        assertThrows(IllegalArgumentException.class, () -> CompactPrice.unpack(CompactPrice.WIDE));
    }

    @Test
    void zeroAndNegativeValuesRoundTripToo() {
        // Prices are positive; the representation does not rely on it.
        for (String value : new String[] {"0", "0.00", "-1", "-3.50", "-0.000000000000000001"}) {
            BigDecimal price = new BigDecimal(value);
            assertThat(roundTrip(price), is(price));
            assertThat(roundTrip(price).toPlainString(), is(price.toPlainString()));
        }
    }
}
