package com.repricer.storage.log;

import com.repricer.rules.PriceRule;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;

/**
 * The binary form of a price, shared by the log's entries and the index snapshot:
 * <pre>
 * byte   scale (0–18)
 * byte   length of the unscaled value (1–127), then the unscaled value as two's-complement big-endian bytes
 * </pre>
 * A DECIMAL(38,18) unscaled value needs at most 17 bytes. A record's two prices are written as
 * <pre>
 * price  new price
 * byte   1 if a previous price follows, 0 if the product had none
 * price  previous price (only if the byte above is 1)
 * </pre>
 */
public final class PriceCodec {

    /** The most bytes one price takes. */
    public static final int MAX_BYTES = 2 + Byte.MAX_VALUE;

    private PriceCodec() {
    }

    /** A record's new price and previous price ({@code null} for a product's first record). */
    public record Prices(BigDecimal newPrice, BigDecimal previousPrice) {
    }

    public static void putPrices(ByteBuffer buffer, BigDecimal newPrice, BigDecimal previousPrice) {
        put(buffer, newPrice);
        if (previousPrice == null) {
            buffer.put((byte) 0);
        } else {
            buffer.put((byte) 1);
            put(buffer, previousPrice);
        }
    }

    /** @throws IllegalArgumentException if the bytes cannot be prices of this format */
    public static Prices getPrices(ByteBuffer buffer) {
        BigDecimal newPrice = get(buffer);
        return new Prices(newPrice, buffer.get() == 1 ? get(buffer) : null);
    }

    public static void put(ByteBuffer buffer, BigDecimal price) {
        byte[] unscaled = price.unscaledValue().toByteArray();
        buffer.put((byte) price.scale()).put((byte) unscaled.length).put(unscaled);
    }

    /** @throws IllegalArgumentException if the bytes cannot be a price of this format */
    public static BigDecimal get(ByteBuffer buffer) {
        int scale = buffer.get();
        int length = buffer.get();
        if (scale < 0 || scale > PriceRule.MAX_SCALE || length < 1) {
            throw new IllegalArgumentException("impossible price (scale " + scale + ", " + length + " bytes)");
        }
        if (length <= Long.BYTES) {
            // The usual case: a million prices at start, and without a BigInteger each they restore faster and
            // take 40 bytes less apiece.
            long unscaled = buffer.get(); // the sign comes with the first byte
            for (int i = 1; i < length; i++) {
                unscaled = (unscaled << 8) | (buffer.get() & 0xff);
            }
            return BigDecimal.valueOf(unscaled, scale);
        }
        byte[] unscaled = new byte[length];
        buffer.get(unscaled);
        return new BigDecimal(new BigInteger(unscaled), scale);
    }
}
