package com.repricer.api;

import com.repricer.rules.StrictUtf8;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Percent-decoding of a part of a request target (the product id in a path, a query parameter's name or value) as
 * strict UTF-8. {@code +} is a literal plus everywhere: the API reads URIs, not HTML form submissions (SPEC §1).
 */
final class PercentDecoding {

    private PercentDecoding() {
    }

    /**
     * Decodes {@code %XX} escapes to bytes and reads the bytes as strict UTF-8. Characters other than escapes
     * stand for their own UTF-8 bytes: a raw target is ASCII, but a server may hand over non-ASCII as decoded
     * text, and that must not change what the escapes mean.
     *
     * @param name the parameter to name in the problem if {@code encoded} is malformed
     * @throws BadRequestException naming {@code name} for a bad escape or bytes that are not UTF-8
     */
    static String decode(String name, String encoded) {
        byte[] text = utf8(name, encoded);
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
                throw invalid(name, "has an invalid percent-escape at position " + i + " (expected %XX)");
            }
            bytes[length++] = (byte) (high << 4 | low);
            i += 2;
        }
        try {
            return StrictUtf8.decode(bytes, 0, length);
        } catch (CharacterCodingException e) {
            throw invalid(name, "is not valid UTF-8 once percent-decoded");
        }
    }

    /** Strict, unlike String.getBytes, which would turn a lone surrogate into a valid '?'. */
    private static byte[] utf8(String name, String text) {
        try {
            ByteBuffer buffer = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw invalid(name, "must not contain a lone surrogate");
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

    private static BadRequestException invalid(String name, String reason) {
        return BadRequestException.of(new InvalidParam(name, reason));
    }
}
