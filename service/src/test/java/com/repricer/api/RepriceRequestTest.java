package com.repricer.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class RepriceRequestTest {

    private static final String EMOJI = "\uD83D\uDE00";

    static Stream<Arguments> validPrices() {
        return Stream.of(
                arguments("3.50", "3.50"),
                arguments("4.20", "4.20"),
                arguments("1", "1"),
                arguments("0.1", "0.1"),
                arguments("1e2", "100"),
                arguments("1E2", "100"),
                arguments("1e+2", "100"),
                arguments("1.50e1", "15.0"),
                arguments("1.5E-1", "0.15"),
                arguments("100e-2", "1.00"),
                arguments("0.000000000000000001", "0.000000000000000001"),
                arguments("1e-18", "0.000000000000000001"),
                arguments("1.000000000000000000", "1.000000000000000000"),
                arguments("12345678901234567890.123456789012345678", "12345678901234567890.123456789012345678"),
                arguments("99999999999999999999", "99999999999999999999"),
                arguments("99999999999999999999.999999999999999999", "99999999999999999999.999999999999999999"),
                arguments("9.9999999999999999999e19", "99999999999999999999"),
                arguments("0." + "0".repeat(1000) + "1e1001", "1"));
    }

    @ParameterizedTest(name = "price {0} -> {1}")
    @MethodSource("validPrices")
    void keepsPriceExactlyAsWritten(String price, String plain) {
        RepriceRequest request = RepriceRequest.parse(body("{\"productId\":\"p1\",\"price\":" + price + "}"));

        assertThat(request.price().toPlainString(), is(plain));
        assertThat(request.price().scale(), is(greaterThanOrEqualTo(0)));
        assertThat(request.productId(), is("p1"));
    }

    static Stream<Arguments> validProductIds() {
        return Stream.of(
                arguments("\"p1\"", "p1"),
                arguments("\"a/b\"", "a/b"),
                arguments("\"a\\/b\"", "a/b"),
                arguments("\"a%2Fb\"", "a%2Fb"),
                arguments("\"a+b\"", "a+b"),
                arguments("\"..\"", ".."),
                arguments("\"../../etc/passwd\"", "../../etc/passwd"),
                arguments("\"  spaced id  \"", "  spaced id  "),
                arguments("\" \"", " "),
                arguments("\"" + EMOJI + "\"", EMOJI),
                arguments("\"\\ud83d\\ude00\"", EMOJI),
                arguments("\"\\u00e9t\u00e9\"", "\u00e9t\u00e9"),
                arguments("\"\u00a0nbsp\u2028ls\"", "\u00a0nbsp\u2028ls"),
                arguments("\"\\\"quoted\\\\\"", "\"quoted\\"),
                arguments("\"" + "x".repeat(512) + "\"", "x".repeat(512)),
                arguments("\"" + "\u00e9".repeat(256) + "\"", "\u00e9".repeat(256)),
                arguments("\"" + "\u20ac".repeat(170) + "xx\"", "\u20ac".repeat(170) + "xx"),
                arguments("\"" + EMOJI.repeat(128) + "\"", EMOJI.repeat(128)));
    }

    @ParameterizedTest(name = "productId {0}")
    @MethodSource("validProductIds")
    void acceptsAnyNonControlProductIdUpTo512Bytes(String json, String id) {
        RepriceRequest request = RepriceRequest.parse(body("{\"productId\":" + json + ",\"price\":1}"));

        assertThat(request.productId(), is(id));
    }

    @Test
    void acceptsAnyFieldOrderAndJsonWhitespace() {
        RepriceRequest request = RepriceRequest.parse(body(" \r\n\t{ \"price\" : 4.20 ,\n\"productId\" : \"p1\" }\n\t "));

        assertThat(request, is(new RepriceRequest("p1", new BigDecimal("4.20"))));
    }

    /** Rejected bodies, with the invalid-params names expected (empty for whole-body problems). */
    static Stream<Arguments> invalidBodies() {
        String ok = "{\"productId\":\"a\",\"price\":1}";
        return Stream.of(
                // whole-body problems
                arguments("", List.of()),
                arguments("   \n\t", List.of()),
                arguments("[]", List.of()),
                arguments("[" + ok + "]", List.of()),
                arguments("\"p1\"", List.of()),
                arguments("1", List.of()),
                arguments("null", List.of()),
                arguments(ok + " x", List.of()),
                arguments(ok + ok, List.of()),
                arguments(ok + ",", List.of()),
                arguments(ok + "]", List.of()),
                arguments(ok + "\u00a0", List.of()),
                arguments("\uFEFF" + ok, List.of()),
                arguments("{\"productId\":\"a\",\"price\":1", List.of()),
                arguments("{\"productId\":\"a\",\"price\":1,}", List.of()),
                arguments("{productId:\"a\",price:1}", List.of()),
                arguments("{'productId':'a','price':1}", List.of()),
                arguments("{\"productId\":\"a\",\"price\":NaN}", List.of()),
                arguments("{\"productId\":\"a\",\"price\":Infinity}", List.of()),
                arguments("{\"productId\":\"a\",\"price\":+1}", List.of()),
                arguments("{\"productId\":\"a\",\"price\":01}", List.of()),
                arguments("{\"productId\":\"a\",\"price\":.5}", List.of()),
                arguments("{\"productId\":\"a\",\"price\":1.}", List.of()),
                arguments("{\"productId\":\"a\tb\",\"price\":1}", List.of()),
                arguments("[".repeat(10_000), List.of()),
                // price
                arguments("{\"productId\":\"a\",\"price\":0}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":0.0}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":0e5}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":-0}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":-1}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":-3.50}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":1e20}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":100000000000000000000}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":99999999999999999999.9999999999999999999}",
                          List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":1e-19}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":0.0000000000000000001}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":1.0000000000000000000}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":1234567890123456789.01234567890123456789}",
                          List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":1e999999999}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":1e-999999999}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":1e2147483648}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":1e-2147483648}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":1e99999999999999999999}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":" + "9".repeat(60_000) + "}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":\"3.50\"}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":null}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":true}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":{}}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":[3.50]}", List.of("price")),
                // productId
                arguments("{\"productId\":1,\"price\":1}", List.of("productId")),
                arguments("{\"productId\":null,\"price\":1}", List.of("productId")),
                arguments("{\"productId\":false,\"price\":1}", List.of("productId")),
                arguments("{\"productId\":{\"id\":\"a\"},\"price\":1}", List.of("productId")),
                arguments("{\"productId\":" + "[".repeat(10_000) + "]".repeat(10_000) + ",\"price\":1}",
                          List.of("productId")),
                arguments("{\"productId\":" + "[".repeat(10_000), List.of("productId")),
                arguments("{\"productId\":\"\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"" + "x".repeat(513) + "\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"" + "\u00e9".repeat(256) + "x\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"" + EMOJI.repeat(128) + "x\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"\\u0000\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"a\\nb\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"a\\u001fb\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"a\\u007fb\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"a\u007fb\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"a\\u0085b\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"a\u0085b\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"a\\u009fb\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"\\ud800\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"a\\ud800b\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"\\udc00\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"\\ude00\\ud83d\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"\\ud83d\",\"price\":1}", List.of("productId")),
                // fields
                arguments("{}", List.of("productId", "price")),
                arguments("{\"productId\":\"a\"}", List.of("price")),
                arguments("{\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"\",\"price\":0}", List.of("productId", "price")),
                arguments("{\"productId\":\"a\",\"price\":1,\"currency\":\"EUR\"}", List.of("currency")),
                arguments("{\"productid\":\"a\",\"price\":1}", List.of("productid")),
                arguments("{\"x\":" + "[".repeat(10_000), List.of("x")),
                arguments("{\"productId\":\"a\",\"productId\":\"b\",\"price\":1}", List.of("productId")),
                arguments("{\"productId\":\"a\",\"price\":1,\"price\":2}", List.of("price")),
                arguments("{\"productId\":\"a\",\"price\":\"1\",\"price\":2}", List.of("price", "price")));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidBodies")
    void rejectsWithTheFieldsAtFault(String json, List<String> names) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> RepriceRequest.parse(body(json)));

        assertThat(e.invalidParams().stream().map(InvalidParam::name).toList(), is(names));
        assertThat(e.detail(), not(is("")));
    }

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
                arguments("c328"),            // 2-byte start, bad continuation
                arguments("c0af"),            // overlong '/'
                arguments("eda080"),          // UTF-8 encoded surrogate (CESU-8)
                arguments("ff"),
                arguments("f48fbfbf80"),      // truncated after a valid 4-byte sequence: stray continuation
                arguments("e282"));           // truncated 3-byte sequence at end of body
    }

    @ParameterizedTest(name = "bytes {0} in the id")
    @MethodSource("invalidUtf8")
    void rejectsInvalidUtf8(String hex) {
        byte[] prefix = "{\"productId\":\"a".getBytes(StandardCharsets.UTF_8);
        byte[] bad = HexFormat.of().parseHex(hex);
        byte[] suffix = "\",\"price\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[prefix.length + bad.length + suffix.length];
        System.arraycopy(prefix, 0, bytes, 0, prefix.length);
        System.arraycopy(bad, 0, bytes, prefix.length, bad.length);
        System.arraycopy(suffix, 0, bytes, prefix.length + bad.length, suffix.length);

        BadRequestException e = assertThrows(BadRequestException.class, () -> RepriceRequest.parse(bytes));

        assertThat(e.detail(), containsString("UTF-8"));
        assertThat(e.invalidParams(), is(empty()));
    }

    @Test
    void rejectsAHugeExponentNamingPrice() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> RepriceRequest.parse(body("{\"productId\":\"a\",\"price\":1e999999999}")));

        assertThat(e.invalidParams(), contains(new InvalidParam("price", "must be less than 10^20")));
    }

    @Test
    void rejectsATinyExponentNamingPrice() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> RepriceRequest.parse(body("{\"productId\":\"a\",\"price\":1e-999999999}")));

        assertThat(e.invalidParams().getFirst().name(), is("price"));
        assertThat(e.invalidParams().getFirst().reason(), containsString("at most 18 digits"));
    }

    @Test
    void namesTheUnknownFieldInTheDetail() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> RepriceRequest.parse(body("{\"productId\":\"a\",\"price\":1,\"currency\":\"EUR\"}")));

        assertThat(e.detail(), containsString("currency"));
        assertThat(e.invalidParams().getFirst().reason(), containsString("unknown field"));
    }

    @Test
    void reportsEveryBadValue() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> RepriceRequest.parse(body("{\"productId\":\"\\u0000\",\"price\":\"3.50\"}")));

        assertThat(e.invalidParams().stream().map(InvalidParam::name).toList(),
                   containsInAnyOrder("productId", "price"));
        assertThat(e.detail(), containsString("productId: must not contain control characters (found U+0000)"));
        assertThat(e.detail(), containsString("price: must be a JSON number, not a string"));
    }

    /** Mutated bodies must parse or be a 400; no other exception may escape to the HTTP layer. */
    @Test
    void neverThrowsAnythingButBadRequest() {
        long seed = 20261127L;
        Random random = new Random(seed);
        byte[] valid = body("{\"productId\":\"p/1\\u00e9\",\"price\":3.50e-1}");
        byte[] alphabet = "{}[]\",:0123456789.eE+-\\u tnrfalsepriceId\u00e9".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 5000; i++) {
            byte[] mutated = valid.clone();
            for (int m = random.nextInt(1, 4); m > 0; m--) {
                int at = random.nextInt(mutated.length);
                mutated[at] = random.nextInt(4) == 0 ? (byte) random.nextInt(256)
                        : alphabet[random.nextInt(alphabet.length)];
            }
            try {
                RepriceRequest request = RepriceRequest.parse(mutated);
                assertThat(request.price().signum(), is(1));
            } catch (BadRequestException expected) {
                // fine
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ", input " + HexFormat.of().formatHex(mutated), e);
            }
        }
    }

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
