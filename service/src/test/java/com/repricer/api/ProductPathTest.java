package com.repricer.api;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ProductPathTest {

    static Stream<Arguments> ids() {
        return Stream.of(
                arguments("/api/product/p1/price", "p1"),
                arguments("/api/product/a%2Fb/price", "a/b"),
                arguments("/api/product/a%2fb/price", "a/b"),
                arguments("/api/product/a/b/price", "a/b"),
                arguments("/api/product/%2F/price", "/"),
                arguments("/api/product/a+b/price", "a+b"),
                arguments("/api/product/a%2Bb/price", "a+b"),
                arguments("/api/product/a%20b/price", "a b"),
                arguments("/api/product/%25/price", "%"),
                arguments("/api/product/%2525/price", "%25"),
                arguments("/api/product/../price", ".."),
                arguments("/api/product/./price", "."),
                arguments("/api/product/%E2%82%AC/price", "\u20ac"),
                arguments("/api/product/%e2%82%ac/price", "\u20ac"),
                arguments("/api/product/%F0%9F%98%80/price", "\uD83D\uDE00"),
                arguments("/api/product/\u00e9/price", "\u00e9"),
                arguments("/api/product/a/price/price", "a/price"),
                arguments("/api/product/price/price", "price"),
                arguments("/api/product/product/x/price", "product/x"),
                arguments("/api/product/" + "x".repeat(512) + "/price", "x".repeat(512)),
                arguments("/api/product/" + "%C3%A9".repeat(256) + "/price", "\u00e9".repeat(256)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("ids")
    void decodesTheId(String rawPath, String id) {
        assertThat(ProductPath.productId(rawPath), is(id));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
            "/api/product//price", "/api/product/price", "/api/product/", "/api/product", "/api/product/a",
            "/api/product/a/price/", "/api/product/a/prices", "/api/products/a/price", "/api/product/a/Price",
            "/API/product/a/price", "api/product/a/price", "/x/api/product/a/price", "/", ""})
    void isNotFoundWithoutAnId(String rawPath) {
        assertThrows(ProductPath.NotFound.class, () -> ProductPath.productId(rawPath));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
            "%zz", "%4", "%", "a%", "%%41", "%G1", "%-1", "%C3%28", "%C3", "%C0%AF", "%ED%A0%80", "%FF",
            "%E2%82", "%F4%90%80%80", "%00", "a%0Ab", "%1F", "%7F", "%C2%85", "%C2%9F", "\uD800"})
    void rejectsBadEncodingsAndInvalidIds(String encodedId) {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> ProductPath.productId("/api/product/" + encodedId + "/price"));

        assertThat(e.invalidParams().stream().map(InvalidParam::name).toList(), contains("productId"));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {513, 600})
    void rejectsTooLongIds(int length) {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> ProductPath.productId("/api/product/" + "%41".repeat(length) + "/price"));

        assertThat(e.detail(), is("productId: must be at most 512 UTF-8 bytes (is " + length + ")"));
    }
}
