package com.repricer.api;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Optional;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ProductIdsTest {

    static Stream<Arguments> ids() {
        String emoji = "\uD83D\uDE00";
        return Stream.of(
                arguments("p1", null),
                arguments(" ", null),
                arguments("\u00a0\u00ad\u200b\u2028\uFEFF\uFFFF", null),   // format, space and non-characters are not Cc
                arguments("\u001f", "must not contain control characters (found U+001F)"),
                arguments("a\tb", "must not contain control characters (found U+0009)"),
                arguments("\u007f", "must not contain control characters (found U+007F)"),
                arguments("\u0080", "must not contain control characters (found U+0080)"),
                arguments("\u009f", "must not contain control characters (found U+009F)"),
                arguments("\u00a0", null),
                arguments("", "must not be empty"),
                arguments("\uD800", "must not contain a lone surrogate (found U+D800)"),
                arguments("\uDE00" + "\uD83D", "must not contain a lone surrogate (found U+DE00)"),
                arguments("a" + "\uD83D", "must not contain a lone surrogate (found U+D83D)"),
                arguments("x".repeat(512), null),
                arguments("x".repeat(513), "must be at most 512 UTF-8 bytes (is 513)"),
                arguments("\u07ff".repeat(256), null),
                arguments("\u07ff".repeat(256) + "x", "must be at most 512 UTF-8 bytes (is 513)"),
                arguments("\u0800".repeat(170) + "xx", null),
                arguments("\u0800".repeat(171), "must be at most 512 UTF-8 bytes (is 513)"),
                arguments(emoji.repeat(128), null),
                arguments(emoji.repeat(128) + "x", "must be at most 512 UTF-8 bytes (is 513)"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("ids")
    void validatesOneRuleEverywhere(String id, String reason) {
        assertThat(ProductIds.validate("productId", id),
                   is(Optional.ofNullable(reason).map(r -> new InvalidParam("productId", r))));
    }
}
