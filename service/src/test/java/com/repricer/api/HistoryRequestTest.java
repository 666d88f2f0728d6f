package com.repricer.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class HistoryRequestTest {

    private static final int FUZZ_STREAM = 4;
    private static final long T0 = 1_795_799_587_000_000_000L;

    @Test
    void defaultsToEverythingFirstPageOf25() {
        HistoryRequest request = HistoryRequest.parse(Map.of());

        assertThat(request, is(new HistoryRequest(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 1, 25)));
    }

    static Stream<Arguments> validQueries() {
        return Stream.of(
                arguments(query("productId", "p1"), new HistoryRequest(Optional.of("p1"), Long.MIN_VALUE, Long.MAX_VALUE, 1, 25)),
                arguments(query("productId", "a/b %2F+.."),
                          new HistoryRequest(Optional.of("a/b %2F+.."), Long.MIN_VALUE, Long.MAX_VALUE, 1, 25)),
                arguments(query("productId", "x".repeat(512)),
                          new HistoryRequest(Optional.of("x".repeat(512)), Long.MIN_VALUE, Long.MAX_VALUE, 1, 25)),
                arguments(query("from", "1795799587"), new HistoryRequest(Optional.empty(), T0, Long.MAX_VALUE, 1, 25)),
                arguments(query("to", "2026-11-27T19:13:07+02:00"),
                          new HistoryRequest(Optional.empty(), Long.MIN_VALUE, T0, 1, 25)),
                arguments(query("from", "1795799587", "to", "2026-11-27T17:13:07Z"),
                          new HistoryRequest(Optional.empty(), T0, T0, 1, 25)),
                arguments(query("from", "1795799587", "to", "1795799587.000000001"),
                          new HistoryRequest(Optional.empty(), T0, T0 + 1, 1, 25)),
                arguments(query("pageNumber", "3"), new HistoryRequest(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 3, 25)),
                arguments(query("pageNumber", "007"), new HistoryRequest(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 7, 25)),
                arguments(query("pageNumber", "9223372036854775807"),
                          new HistoryRequest(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 25)),
                arguments(query("pagesize", "1"), new HistoryRequest(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 1, 1)),
                arguments(query("pagesize", "1000"), new HistoryRequest(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 1, 1000)),
                arguments(query("pageSize", "50"), new HistoryRequest(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, 1, 50)),
                arguments(query("productId", "p1", "from", "0", "to", "1", "pageNumber", "2", "pageSize", "10"),
                          new HistoryRequest(Optional.of("p1"), 0, 1_000_000_000L, 2, 10)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validQueries")
    void parses(Map<String, List<String>> params, HistoryRequest expected) {
        assertThat(HistoryRequest.parse(params), is(expected));
    }

    @Test
    void ignoresANameWithoutValues() {
        assertThat(HistoryRequest.parse(Map.of("from", List.of())).fromNanos(), is(Long.MIN_VALUE));
    }

    static Stream<Arguments> invalidQueries() {
        return Stream.of(
                arguments(query("x", "1"), List.of("x")),
                arguments(query("PageSize", "10"), List.of("PageSize")),
                arguments(query("productid", "p1"), List.of("productid")),
                arguments(Map.of("from", List.of("1", "2")), List.of("from")),
                arguments(Map.of("productId", List.of("p1", "p1")), List.of("productId")),
                arguments(query("pagesize", "10", "pageSize", "10"), List.of("pagesize")),
                arguments(query("pagesize", "10", "pageSize", "20"), List.of("pagesize")),
                arguments(query("productId", ""), List.of("productId")),
                arguments(query("productId", "x".repeat(513)), List.of("productId")),
                arguments(query("productId", "a\u0000b"), List.of("productId")),
                arguments(query("productId", "a\u0085b"), List.of("productId")),
                arguments(query("productId", "\uD800"), List.of("productId")),
                arguments(query("from", "yesterday"), List.of("from")),
                arguments(query("to", "-1"), List.of("to")),
                arguments(query("from", "", "to", "x"), List.of("from", "to")),
                arguments(query("from", "1795799587.000000001", "to", "1795799587"), List.of("from")),
                arguments(query("from", "2026-11-27T17:13:08Z", "to", "2026-11-27T19:13:07+02:00"), List.of("from")),
                arguments(query("pageNumber", "0"), List.of("pageNumber")),
                arguments(query("pageNumber", "-1"), List.of("pageNumber")),
                arguments(query("pageNumber", "+1"), List.of("pageNumber")),
                arguments(query("pageNumber", " 1"), List.of("pageNumber")),
                arguments(query("pageNumber", "1 "), List.of("pageNumber")),
                arguments(query("pageNumber", "1.0"), List.of("pageNumber")),
                arguments(query("pageNumber", "1e3"), List.of("pageNumber")),
                arguments(query("pageNumber", "0x10"), List.of("pageNumber")),
                arguments(query("pageNumber", "abc"), List.of("pageNumber")),
                arguments(query("pageNumber", ""), List.of("pageNumber")),
                arguments(query("pageNumber", "\u0661"), List.of("pageNumber")),
                arguments(query("pageNumber", "9223372036854775808"), List.of("pageNumber")),
                arguments(query("pageNumber", "9".repeat(100_000)), List.of("pageNumber")),
                arguments(query("pagesize", "0"), List.of("pagesize")),
                arguments(query("pagesize", "1001"), List.of("pagesize")),
                arguments(query("pagesize", "-5"), List.of("pagesize")),
                arguments(query("pagesize", ""), List.of("pagesize")),
                arguments(query("pagesize", "25 "), List.of("pagesize")),
                arguments(query("pagesize", "99999999999999999999"), List.of("pagesize")),
                arguments(query("pageSize", "0"), List.of("pageSize")),
                arguments(query("productId", "", "from", "x", "to", "y", "pageNumber", "0", "pagesize", "0", "z", "1"),
                          List.of("productId", "from", "to", "pageNumber", "pagesize", "z")));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidQueries")
    void rejectsNamingEachParameterAtFault(Map<String, List<String>> params, List<String> names) {
        BadRequestException e = assertThrows(BadRequestException.class, () -> HistoryRequest.parse(params));

        assertThat(e.invalidParams().stream().map(InvalidParam::name).toList(),
                   containsInAnyOrder(names.toArray()));
    }

    @Test
    void explainsTheAlias() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> HistoryRequest.parse(query("pagesize", "10", "pageSize", "10")));

        assertThat(e.detail(), containsString("pagesize: given more than once"));
    }

    @Test
    void explainsTheRange() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> HistoryRequest.parse(query("pagesize", "1001")));

        assertThat(e.detail(), is("pagesize: must be a whole number from 1 to 1000"));
    }

    static Stream<Arguments> offsets() {
        return Stream.of(
                arguments(1L, 25, 0L),
                arguments(2L, 25, 25L),
                arguments(40_000L, 1000, 39_999_000L),
                arguments(Long.MAX_VALUE, 1, Long.MAX_VALUE - 1),
                arguments(Long.MAX_VALUE, 1000, Long.MAX_VALUE),
                arguments(Long.MAX_VALUE / 500, 1000, Long.MAX_VALUE));
    }

    @ParameterizedTest(name = "page {0} of {1} starts at {2}")
    @MethodSource("offsets")
    void offsetSaturatesInsteadOfOverflowing(long pageNumber, int pageSize, long offset) {
        HistoryRequest request = new HistoryRequest(Optional.empty(), Long.MIN_VALUE, Long.MAX_VALUE, pageNumber,
                                                    pageSize);

        assertThat(request.offset(), is(offset));
    }

    /**
     * Random {@code from}/{@code to} pairs (each absent, valid or a near miss) give what {@link EpochNanos} gives
     * for each alone, and a 400 naming {@code from} when from is after to. Seed and iterations: see {@link Fuzz}.
     */
    @Test
    void randomFromAndToAgreeWithEpochNanosAndAreOrdered() {
        long seed = Fuzz.SEED;
        for (int i = 0; i < Fuzz.ITERATIONS; i++) {
            Random random = Fuzz.random(seed, FUZZ_STREAM, i);
            String from = random.nextInt(5) == 0 ? null : EpochNanosTest.randomBound(random);
            String to = random.nextInt(5) == 0 ? null : EpochNanosTest.randomBound(random);
            String context = Fuzz.context(seed, i, "from=" + (from == null ? "(absent)" : Fuzz.escape(from))
                                                   + " to=" + (to == null ? "(absent)" : Fuzz.escape(to)));
            Map<String, List<String>> params = new LinkedHashMap<>();
            if (from != null) {
                params.put("from", List.of(from));
            }
            if (to != null) {
                params.put("to", List.of(to));
            }
            Long fromNanos = alone(from, Long.MIN_VALUE);
            Long toNanos = alone(to, Long.MAX_VALUE);
            List<String> expectedProblems = new ArrayList<>();
            if (fromNanos == null || (toNanos != null && fromNanos > toNanos)) {
                expectedProblems.add("from");
            }
            if (toNanos == null) {
                expectedProblems.add("to");
            }

            try {
                HistoryRequest request = HistoryRequest.parse(params);
                assertThat(context + ": accepted", expectedProblems, is(List.of()));
                assertThat(context, request.fromNanos(), is(fromNanos));
                assertThat(context, request.toNanos(), is(toNanos));
            } catch (BadRequestException e) {
                assertThat(context, e.invalidParams().stream().map(InvalidParam::name).toList(),
                           containsInAnyOrder(expectedProblems.toArray()));
            } catch (RuntimeException e) {
                throw new AssertionError(context + ": threw " + e, e);
            }
        }
    }

    /** What {@link EpochNanos} makes of {@code value} alone: its nanoseconds, {@code absent}, or null for a 400. */
    private static Long alone(String value, long absent) {
        if (value == null) {
            return absent;
        }
        try {
            return EpochNanos.parse("x", value);
        } catch (BadRequestException e) {
            return null;
        }
    }

    /** name, value, name, value, … each given once, in order. */
    private static Map<String, List<String>> query(String... nameValues) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            params.put(nameValues[i], List.of(nameValues[i + 1]));
        }
        return params;
    }
}
