package com.repricer.storage.index;

import com.repricer.rules.PriceRule;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A price in one {@code long}, so that a product's state needs no {@link BigDecimal} object: the unscaled value
 * in the upper 59 bits (two's complement), the scale + 1 in the lower 5 bits. The scale is kept as written, so
 * {@code 3.50} comes back as {@code 3.50}, never {@code 3.5}.
 *
 * <p>Fits scales 0–18 with unscaled values in [−2<sup>58</sup>, 2<sup>58</sup>): every price with up to 17
 * significant digits. Anything else (DECIMAL(38,18) reaches 10<sup>38</sup>) packs to {@link #WIDE}, and its
 * owner keeps the {@code BigDecimal} beside it. {@link #NONE} ({@code 0}, the default of a {@code long} field)
 * stands for no price at all, such as the previous price of a product's first record.
 */
public final class CompactPrice {

    /** No price. */
    static final long NONE = 0;
    /** A price that does not fit: see the {@code BigDecimal} kept beside it. */
    static final long WIDE = 0x1F;

    private static final int SCALE_BITS = 5;
    private static final long SCALE_MASK = (1L << SCALE_BITS) - 1;
    private static final int MAX_UNSCALED_BITS = Long.SIZE - SCALE_BITS - 1;

    private CompactPrice() {
    }

    /** @return the packed price, {@link #NONE} for {@code null}, or {@link #WIDE} if it does not fit */
    static long pack(BigDecimal price) {
        if (price == null) {
            return NONE;
        }
        int scale = price.scale();
        if (scale < 0 || scale > PriceRule.MAX_SCALE) {
            return WIDE;
        }
        BigInteger unscaled = price.unscaledValue();
        // bitLength excludes the sign bit: ≤ 58 means −2^58 ≤ unscaled < 2^58, so the shift cannot overflow.
        if (unscaled.bitLength() > MAX_UNSCALED_BITS) {
            return WIDE;
        }
        return unscaled.longValue() << SCALE_BITS | (scale + 1);
    }

    /** @param packed neither {@link #WIDE} nor {@link #NONE} */
    static BigDecimal unpack(long packed) {
        long scale = (packed & SCALE_MASK) - 1;
        if (scale < 0 || scale > PriceRule.MAX_SCALE) {
            throw new IllegalArgumentException("not a packed price: " + Long.toHexString(packed));
        }
        return BigDecimal.valueOf(packed >> SCALE_BITS, (int) scale);
    }

    /** The price a packed value and its wide companion stand for ({@code null} for {@link #NONE}). */
    static BigDecimal unpack(long packed, BigDecimal wide) {
        return packed == NONE ? null : packed == WIDE ? wide : unpack(packed);
    }
}
