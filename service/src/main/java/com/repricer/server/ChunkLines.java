package com.repricer.server;

import io.helidon.http.DirectHandler.EventType;
import io.helidon.http.RequestException;

/**
 * The grammar of a chunked body's lines (RFC 9112 §7.1): a chunk-size line {@code 1*HEXDIG *( BWS ";" BWS name
 * [ BWS "=" BWS ( token / quoted-string ) ] )} and a trailer field line {@code token ":" field-value}. Extensions
 * and trailer fields are checked and then ignored (the service understands none of them).
 */
final class ChunkLines {

    private ChunkLines() {
    }

    /** The hexadecimal size of a chunk-size line, without its extensions; a line that is not one is refused. */
    static String size(String line) {
        int end = 0;
        while (end < line.length() && Character.digit(line.charAt(end), 16) >= 0) {
            end++;
        }
        if (end == 0) {
            throw malformed("a chunk size must start with hexadecimal digits");
        }
        int at = end;
        while (at < line.length()) {
            at = whitespace(line, at);
            if (at == line.length() || line.charAt(at) != ';') {
                throw malformed("a chunk size is followed by extensions (;name=value) or nothing");
            }
            at = token(line, whitespace(line, at + 1));
            int equals = whitespace(line, at);
            if (equals < line.length() && line.charAt(equals) == '=') {
                at = value(line, whitespace(line, equals + 1));
            }
        }
        return end == line.length() ? line : line.substring(0, end);
    }

    /** Whether a size from {@link #size} is zero: the last chunk, after which the trailer section comes. */
    static boolean isLast(String size) {
        for (int i = 0; i < size.length(); i++) {
            if (size.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** Refuses a trailer line that is not a field line {@code name ":" value}. */
    static void requireField(String line) {
        int at = token(line, 0);
        if (at == line.length() || line.charAt(at) != ':') {
            throw malformed("a trailer field line is name \":\" value");
        }
        for (at++; at < line.length(); at++) {
            char c = line.charAt(at);
            if (c != '\t' && (c < ' ' || c == 0x7f || c > 0xff)) {
                throw malformed("a trailer field value holds a control character");
            }
        }
    }

    /**
     * Refuses a chunk larger than {@code maxBytes}: Helidon reads a whole chunk into memory before the handler sees
     * a byte of it, so a size line alone (say {@code 7fffffff}) must not be trusted. Sizes of more hex digits than a
     * {@code long} holds are too large as well.
     */
    static void requireAtMost(String size, int maxBytes) {
        int digits = size.length();
        int leadingZeros = 0;
        while (leadingZeros < digits - 1 && size.charAt(leadingZeros) == '0') {
            leadingZeros++;
        }
        if (digits - leadingZeros > 15 || Long.parseLong(size, leadingZeros, digits, 16) > maxBytes) {
            throw RequestException.builder()
                                  .type(EventType.PAYLOAD_TOO_LARGE)
                                  .message("Chunked body: a chunk of 0x" + size + " bytes is larger than the "
                                           + maxBytes + " bytes a body may have")
                                  .setKeepAlive(false)
                                  .build();
        }
    }

    static RequestException malformed(String why) {
        return RequestException.builder()
                               .type(EventType.BAD_REQUEST)
                               .message("Malformed chunked body: " + why)
                               .setKeepAlive(false)
                               .build();
    }

    private static int whitespace(String line, int at) {
        while (at < line.length() && (line.charAt(at) == ' ' || line.charAt(at) == '\t')) {
            at++;
        }
        return at;
    }

    /** The end of the token starting at {@code at}; an empty token is refused. */
    private static int token(String line, int at) {
        int start = at;
        while (at < line.length() && isTokenChar(line.charAt(at))) {
            at++;
        }
        if (at == start) {
            throw malformed("a name is expected at offset " + start);
        }
        return at;
    }

    /** The end of the token or quoted string starting at {@code at}. */
    private static int value(String line, int at) {
        if (at == line.length() || line.charAt(at) != '"') {
            return token(line, at);
        }
        for (at++; at < line.length(); at++) {
            char c = line.charAt(at);
            if (c == '"') {
                return at + 1;
            }
            if (c == '\\') {
                at++;
                if (at == line.length()) {
                    break;
                }
                c = line.charAt(at);
            }
            if (c != '\t' && (c < ' ' || c == 0x7f || c > 0xff)) {
                throw malformed("a quoted extension value holds a control character");
            }
        }
        throw malformed("a quoted extension value is not closed");
    }

    private static boolean isTokenChar(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
