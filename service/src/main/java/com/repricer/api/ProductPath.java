package com.repricer.api;

import com.repricer.rules.StrictUtf8;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The product id in {@code GET /api/product/{productId}/price}: everything between the {@code /api/product/}
 * prefix and the final {@code /price}, percent-decoded as UTF-8. A raw {@code /} is part of the id like an
 * encoded {@code %2F}; {@code +} is a literal plus (this is a path, not a form).
 */
public final class ProductPath {

    private static final String PREFIX = "/api/product/";
    private static final String SUFFIX = "/price";
    private static final String PRODUCT_ID = "productId";

    private ProductPath() {
    }

    /**
     * @param rawPath the request path as received, still percent-encoded, without the query
     * @return the decoded, validated product id
     * @throws NotFound           if the path is not a product price path or its id is empty
     * @throws BadRequestException naming {@code productId} if the id is badly encoded or not a valid id
     */
    public static String productId(String rawPath) {
        if (rawPath == null || !rawPath.startsWith(PREFIX) || !rawPath.endsWith(SUFFIX)
            || rawPath.length() < PREFIX.length() + SUFFIX.length()) {
            throw new NotFound("not a product price path");
        }
        String encoded = rawPath.substring(PREFIX.length(), rawPath.length() - SUFFIX.length());
        if (encoded.isEmpty()) {
            throw new NotFound("the product id is empty");
        }
        String id = percentDecode(encoded);
        ProductIds.validate(PRODUCT_ID, id).ifPresent(problem -> {
            throw BadRequestException.of(problem);
        });
        return id;
    }

    /**
     * Decodes {@code %XX} escapes to bytes and reads the bytes as strict UTF-8. Characters other than escapes
     * stand for their own UTF-8 bytes: a raw path is ASCII, but a server may hand over non-ASCII as decoded
     * text, and that must not change what the escapes mean.
     */
    private static String percentDecode(String encoded) {
        byte[] text = utf8(encoded);
        byte[] bytes = new byte[text.length];
        int length = 0;
        for (int i = 0; i < text.length; i++) {
            if (text[i] != '%') {
                bytes[length++] = text[i];
                continue;
            }
            int high = i + 2 < text.length ? hexValue(text[i + 1]) : -1;
            int low = high >= 0 ? hexValue(text[i + 2]) : -1;
            if (low < 0) {
                throw invalid("has an invalid percent-escape at position " + i + " (expected %XX)");
            }
            bytes[length++] = (byte) (high << 4 | low);
            i += 2;
        }
        try {
            return StrictUtf8.decode(bytes, 0, length);
        } catch (CharacterCodingException e) {
            throw invalid("is not valid UTF-8 once percent-decoded");
        }
    }

    /** Strict, unlike String.getBytes, which would turn a lone surrogate into a valid '?'. */
    private static byte[] utf8(String text) {
        try {
            ByteBuffer buffer = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw invalid("must not contain a lone surrogate");
        }
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    private static BadRequestException invalid(String reason) {
        return BadRequestException.of(new InvalidParam(PRODUCT_ID, reason));
    }

    /** The path names no product (HTTP 404). */
    public static final class NotFound extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            // No stack trace: an expected answer to a client's path, not a fault.
            super(message, null, false, false);
        }
    }
}
