package com.repricer.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.ResolverStyle;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class EpochNanosTest {

    private static final Pattern NUMERIC_OFFSET = Pattern.compile("[+-]([0-9]{2}):([0-9]{2})$");
    /** STRICT: the builder's default (SMART) would read 2025-02-29 as 2025-02-28. */
    private static final DateTimeFormatter ORACLE = new DateTimeFormatterBuilder()
            .parseCaseInsensitive().append(DateTimeFormatter.ISO_OFFSET_DATE_TIME).toFormatter()
            .withResolverStyle(ResolverStyle.STRICT);

    private static final int FUZZ_STREAM = 3;
    private static final List<String> VALID_BOUNDS = List.of(
            "1795799587.523456789", "2026-11-27T17:13:07.5Z", "2026-11-27T19:13:07+02:00", "9223372036.854775807",
            "1677-09-21T00:12:43.145224192Z", "2262-04-11T23:47:16.854775807Z", "0.5", "0", "0001795799587",
            "2026-11-27t17:13:07.123456789z", "2026-11-27T17:13:07-23:59", "2024-02-29T00:00:00Z",
            "2016-12-31T23:59:60Z", "1969-12-31T23:59:59.999999999Z");
    private static final String ALPHABET = "0123456789.:-+TtZze \u0661\uFF10\uD800";
    private static final Pattern EPOCH_GRAMMAR = Pattern.compile("[0-9]+(\\.[0-9]{1,9})?");
    private static final Pattern RFC_3339_GRAMMAR = Pattern.compile(
            "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:([0-9]{2})(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})");
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    static Stream<Arguments> validBounds() {
        return Stream.of(
                arguments("1795799587", 1_795_799_587_000_000_000L),
                arguments("1795799587.523456789", 1_795_799_587_523_456_789L),
                arguments("1795799587.5", 1_795_799_587_500_000_000L),
                arguments("1795799587.000001", 1_795_799_587_000_001_000L),
                arguments("0001795799587", 1_795_799_587_000_000_000L),
                arguments("0", 0L),
                arguments("0.000000001", 1L),
                arguments("9223372036.854775807", Long.MAX_VALUE),
                arguments("2026-11-27T17:13:07.5Z", nanos("2026-11-27T17:13:07.5Z")),
                arguments("2026-11-27T19:13:07+02:00", nanos("2026-11-27T17:13:07Z")),
                arguments("2026-11-27T11:43:07.123456789-05:30", nanos("2026-11-27T17:13:07.123456789Z")),
                arguments("2026-11-27t17:13:07z", nanos("2026-11-27T17:13:07Z")),
                arguments("2026-11-27T17:13:07-00:00", nanos("2026-11-27T17:13:07Z")),
                arguments("2026-11-27T17:13:07+23:59", nanos("2026-11-26T17:14:07Z")),
                arguments("2024-02-29T00:00:00Z", nanos("2024-02-29T00:00:00Z")),
                arguments("1970-01-01T00:00:00Z", 0L),
                arguments("1969-12-31T23:59:59.999999999Z", -1L),
                arguments("1677-09-21T00:12:43.145224192Z", Long.MIN_VALUE),
                arguments("2262-04-11T23:47:16.854775807Z", Long.MAX_VALUE),
                // a leap second reads as the first instant after it
                arguments("2016-12-31T23:59:60Z", nanos("2017-01-01T00:00:00Z")),
                arguments("2016-12-31T23:59:60.5Z", nanos("2017-01-01T00:00:00Z")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validBounds")
    void readsEpochSecondsAndRfc3339(String value, long expected) {
        assertThat(EpochNanos.parse("from", value), is(expected));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {
            "", " ", "-1", "+1", "-0", "1e9", "1E9", "1.", ".5", "1..5", "1,5", "0x10", "NaN", "Infinity",
            " 1795799587", "1795799587 ", "1795 799587", "1795799587.1234567891", "\u0661\u0662\u0663",
            "\uFF11\uFF12", "9223372036.854775808", "9223372037", "99999999999",
            "99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
            "2026-11-27T17:13:07", "2026-11-27 17:13:07Z", "2026-11-27", "17:13:07Z", "2026-11-27T17:13Z",
            "2026-11-27T17:13:07.Z", "2026-11-27T17:13:07.1234567891Z", "2026-11-27T17:13:07+0200",
            "2026-11-27T17:13:07+02", "2026-11-27T17:13:07+24:00", "2026-11-27T17:13:07+02:60",
            "2026-11-27T17:13:07UTC", "2026-11-27T17:13:07GMT+2", "2026-11-27X17:13:07Z",
            "2026-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
            "2026-11-00T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T17:60:00Z", "2026-11-27T17:13:61Z",
            "+2026-11-27T17:13:07Z", "20261-11-27T17:13:07Z", "2026-1-27T17:13:07Z",
            "\uFF12026-11-27T17:13:07Z", "1677-09-21T00:12:43.145224191Z", "2262-04-11T23:47:16.854775808Z",
            "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-11-27T17:13:07Z ", "2026-11-27T17:13:07Zx"})
    void rejects(String value) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> EpochNanos.parse("to", value));

        assertThat(e.invalidParams().stream().map(InvalidParam::name).toList(), contains("to"));
    }

    @Test
    void explainsWhatItExpects() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> EpochNanos.parse("from", "yesterday"));

        assertThat(e.detail(), is("from: must be an RFC 3339 date-time with offset (e.g. 2026-11-27T17:13:07.5Z)"
                                  + " or Unix epoch seconds (e.g. 1795799587.523456789)"));
    }

    /**
     * Random strings, many of them near-misses of valid bounds, either parse or are a 400 naming the parameter;
     * where the contract decides (README "Decisions"), they parse exactly when it says and to what it says: epoch
     * seconds read exactly by BigDecimal, date-times by java.time. Seed and iterations: see {@link Fuzz}.
     */
    @Test
    void randomInputEitherParsesExactlyOrIsABadRequest() {
        long seed = Fuzz.SEED;
        int parsed = 0;
        int decided = 0;
        for (int i = 0; i < Fuzz.ITERATIONS; i++) {
            String input = randomBound(Fuzz.random(seed, FUZZ_STREAM, i));
            String context = Fuzz.context(seed, i, Fuzz.escape(input));
            long started = System.nanoTime();
            Long nanos;
            try {
                nanos = EpochNanos.parse("from", input);
            } catch (BadRequestException e) {
                assertThat(context, e.invalidParams().stream().map(InvalidParam::name).toList(), contains("from"));
                nanos = null;
            } catch (RuntimeException e) {
                throw new AssertionError(context + ": threw " + e, e);
            }
            Fuzz.assertFast(System.nanoTime() - started, () -> parseQuietly(input), context);
            parsed += nanos == null ? 0 : 1;
            Expected expected = expected(input);
            if (expected != Expected.UNKNOWN) {
                decided++;
                assertThat(context, nanos, is(expected.nanos));
            }
        }
        System.out.printf(Locale.ROOT, "from/to fuzz (seed %d): %d inputs, %d parsed, %d decided by the oracle%n",
                          seed, Fuzz.ITERATIONS, parsed, decided);
        assertThat("seed " + seed + ": the generator should produce some valid input", parsed,
                   is(greaterThan(Fuzz.ITERATIONS / 10)));
    }

    private static void parseQuietly(String input) {
        try {
            EpochNanos.parse("from", input);
        } catch (BadRequestException e) {
            // timed only
        }
    }

    /** A random {@code from}/{@code to} value: a mutated valid bound, or random characters. */
    static String randomBound(Random random) {
        return random.nextBoolean() ? mutate(VALID_BOUNDS.get(random.nextInt(VALID_BOUNDS.size())), random)
                                    : randomString(random);
    }

    /** The oracle's answer: the epoch nanoseconds, {@code null} (a 400), or unknown. */
    private record Expected(Long nanos) {
        static final Expected UNKNOWN = new Expected(Long.MIN_VALUE);
        static final Expected REFUSED = new Expected(null);
    }

    /**
     * What the contract says of {@code input}: epoch seconds are ASCII digits with at most 9 fraction digits; a
     * date-time is RFC 3339 with seconds, at most 9 fraction digits and an offset; both must fit epoch nanoseconds
     * in a long. Unknown where java.time cannot judge: a leap second, an offset beyond its ±18:00.
     */
    private static Expected expected(String input) {
        if (EPOCH_GRAMMAR.matcher(input).matches()) {
            BigDecimal nanos = new BigDecimal(input).movePointRight(9);
            return nanos.compareTo(LONG_MAX) > 0 ? Expected.REFUSED : new Expected(nanos.longValueExact());
        }
        Matcher dateTime = RFC_3339_GRAMMAR.matcher(input);
        if (!dateTime.matches()) {
            return Expected.REFUSED;
        }
        if (dateTime.group(1).equals("60") || !withinJavaOffsets(input)) {
            return Expected.UNKNOWN;
        }
        try {
            return new Expected(nanos(OffsetDateTime.parse(input, ORACLE).toInstant()));
        } catch (DateTimeException | ArithmeticException e) {
            return Expected.REFUSED;  // no such date or time (java.time resolves strictly), or beyond a long
        }
    }

    /** java.time offsets stop at ±18:00; RFC 3339's go to ±23:59. */
    private static boolean withinJavaOffsets(String dateTime) {
        var offset = NUMERIC_OFFSET.matcher(dateTime);
        return !offset.find() || Integer.parseInt(offset.group(1)) * 60 + Integer.parseInt(offset.group(2)) <= 18 * 60;
    }

    private static String mutate(String valid, Random random) {
        StringBuilder text = new StringBuilder(valid);
        for (int m = random.nextInt(0, 3); m > 0 && !text.isEmpty(); m--) {
            int at = random.nextInt(text.length());
            switch (random.nextInt(3)) {
                case 0 -> text.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 1 -> text.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                default -> text.deleteCharAt(at);
            }
        }
        return text.toString();
    }

    private static String randomString(Random random) {
        StringBuilder text = new StringBuilder();
        for (int n = random.nextInt(0, 40); n > 0; n--) {
            text.append(random.nextInt(8) == 0 ? (char) random.nextInt(0x10000)
                                               : ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return text.toString();
    }

    private static long nanos(String instant) {
        return nanos(Instant.parse(instant));
    }

    private static long nanos(Instant instant) {
        return BigInteger.valueOf(instant.getEpochSecond()).multiply(BigInteger.TEN.pow(9))
                .add(BigInteger.valueOf(instant.getNano())).longValueExact();
    }
}
