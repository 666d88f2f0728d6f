package com.repricer.rules;

/**
 * What a price may be: DECIMAL(38,18), greater than 0 — at most 20 digits before the point and 18 after, its scale
 * kept as written. The storage formats give the scale in one byte and promise no more than {@link #MAX_SCALE}.
 */
public final class PriceRule {

    public static final int MAX_INTEGER_DIGITS = 20;
    public static final int MAX_SCALE = 18;
    public static final int MAX_PRECISION = MAX_INTEGER_DIGITS + MAX_SCALE;

    private PriceRule() {
    }
}
