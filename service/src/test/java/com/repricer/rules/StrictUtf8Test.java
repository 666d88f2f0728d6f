package com.repricer.rules;

import org.junit.jupiter.api.Test;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StrictUtf8Test {

    @Test
    void decodesAsciiAndMultiByteText() throws CharacterCodingException {
        assertThat(StrictUtf8.decode("sku-42".getBytes(StandardCharsets.US_ASCII)), is("sku-42"));
        assertThat(StrictUtf8.decode("prix-ß-€-😀".getBytes(StandardCharsets.UTF_8)), is("prix-ß-€-😀"));
        assertThat(StrictUtf8.decode(new byte[0]), is(""));
    }

    @Test
    void decodesOnlyTheGivenRange() throws CharacterCodingException {
        byte[] bytes = "xx-é-yy".getBytes(StandardCharsets.UTF_8);
        assertThat(StrictUtf8.decode(bytes, 2, bytes.length - 4), is("-é-"));
        // An invalid byte outside the range does not count, in the ASCII path and in the decoder's.
        byte[] framed = {(byte) 0xff, 'a', 'b', (byte) 0xff};
        assertThat(StrictUtf8.decode(framed, 1, 2), is("ab"));
        byte[] framedUtf8 = {(byte) 0xff, (byte) 0xc3, (byte) 0xa9, (byte) 0xff};
        assertThat(StrictUtf8.decode(framedUtf8, 1, 2), is("é"));
    }

    @Test
    void refusesBytesThatAreNotUtf8() {
        byte[][] invalid = {
                {(byte) 0x80},                                  // a lone continuation byte
                {'a', (byte) 0xc3},                             // a sequence cut short
                {(byte) 0xc0, (byte) 0xaf},                     // an overlong '/'
                {(byte) 0xed, (byte) 0xa0, (byte) 0x80},        // a UTF-16 surrogate
                {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
                {'o', 'k', (byte) 0xff},                        // ASCII, then a byte UTF-8 never uses
        };
        for (byte[] bytes : invalid) {
            assertThrows(CharacterCodingException.class, () -> StrictUtf8.decode(bytes));
        }
    }
}
