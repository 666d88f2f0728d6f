package com.repricer.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The parameters of {@code GET /api/query}.
 *
 * @param productId  only this product's records; empty for all products
 * @param fromNanos  inclusive lower bound on the timestamp, epoch nanoseconds; {@code Long.MIN_VALUE} if absent
 * @param toNanos    exclusive upper bound on the timestamp, epoch nanoseconds; {@code Long.MAX_VALUE} if absent
 * @param pageNumber 1-based page
 * @param pageSize   records per page, 1–1000
 */
public record HistoryRequest(Optional<String> productId, long fromNanos, long toNanos, long pageNumber,
                             int pageSize) {

    public static final int DEFAULT_PAGE_SIZE = 25;
    public static final int MAX_PAGE_SIZE = 1000;

    private static final String FROM = "from";
    private static final String TO = "to";
    private static final String PAGE_NUMBER = "pageNumber";
    private static final String PAGE_SIZE = "pagesize";
    /** Every name a parameter may be given by, with the name it counts as ({@code pageSize} is an alias). */
    private static final Map<String, String> CANONICAL_NAMES = Map.of(ProductIds.FIELD, ProductIds.FIELD,
                                                                      FROM, FROM, TO, TO, PAGE_NUMBER, PAGE_NUMBER,
                                                                      PAGE_SIZE, PAGE_SIZE, "pageSize", PAGE_SIZE);

    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    public HistoryRequest {
        Objects.requireNonNull(productId, "productId");
    }

    /**
     * Parses and validates the query parameters, reporting every problem at once.
     *
     * @param params each parameter name with its values in request order; a name with no values counts as absent
     * @throws BadRequestException naming each unknown, repeated or invalid parameter
     */
    public static HistoryRequest parse(Map<String, List<String>> params) {
        List<InvalidParam> problems = new ArrayList<>();
        Map<String, Given> given = singleValues(params, problems);

        Given productId = given.get(ProductIds.FIELD);
        if (productId != null) {
            ProductIds.validate(productId.name(), productId.value()).ifPresent(problems::add);
        }
        OptionalLong from = instant(given.get(FROM), Long.MIN_VALUE, problems);
        OptionalLong to = instant(given.get(TO), Long.MAX_VALUE, problems);
        if (from.isPresent() && to.isPresent() && from.getAsLong() > to.getAsLong()) {
            problems.add(new InvalidParam(FROM, "must not be after to"));
        }
        OptionalLong pageNumber = integer(given.get(PAGE_NUMBER), 1, Long.MAX_VALUE,
                                          "must be a whole number of at least 1", problems);
        OptionalLong pageSize = integer(given.get(PAGE_SIZE), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
                                        "must be a whole number from 1 to " + MAX_PAGE_SIZE, problems);

        if (!problems.isEmpty()) {
            throw BadRequestException.of(problems);
        }
        return new HistoryRequest(Optional.ofNullable(productId).map(Given::value), from.getAsLong(),
                                  to.getAsLong(), pageNumber.getAsLong(), (int) pageSize.getAsLong());
    }

    /**
     * How many matching records come before this page. Saturates rather than overflows: a page that far out
     * is simply past the end.
     */
    public long offset() {
        try {
            return Math.multiplyExact(pageNumber - 1, (long) pageSize);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** A parameter's single value, with the name the client spelled it by. */
    private record Given(String name, String value) {
    }

    /**
     * The one value of each known parameter, keyed by canonical name ({@code pageSize} counts as
     * {@code pagesize}). Unknown and repeated names are added to {@code problems} and left out.
     */
    private static Map<String, Given> singleValues(Map<String, List<String>> params, List<InvalidParam> problems) {
        Map<String, Given> given = new HashMap<>();
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            String name = param.getKey();
            List<String> values = param.getValue() == null ? List.of() : param.getValue();
            if (values.isEmpty()) {
                continue;
            }
            String canonical = CANONICAL_NAMES.get(name);
            if (canonical == null) {
                problems.add(new InvalidParam(name, "unknown parameter; expected productId, from, to, pageNumber"
                                                    + " or pagesize"));
            } else if (values.size() > 1) {
                problems.add(new InvalidParam(name, "given more than once"));
            } else if (given.putIfAbsent(canonical, new Given(name, values.getFirst())) != null) {
                // Only the alias can collide: both spellings together are one parameter given twice.
                given.remove(canonical);
                problems.add(new InvalidParam(PAGE_SIZE, "given more than once (pageSize is an alias of pagesize)"));
            }
        }
        return given;
    }

    private static OptionalLong instant(Given given, long absent, List<InvalidParam> problems) {
        if (given == null) {
            return OptionalLong.of(absent);
        }
        try {
            return OptionalLong.of(EpochNanos.parse(given.name(), given.value()));
        } catch (BadRequestException e) {
            problems.addAll(e.invalidParams());
            return OptionalLong.empty();
        }
    }

    /** A plain decimal integer in [1, max]: ASCII digits only, no sign, no spaces. */
    private static OptionalLong integer(Given given, long absent, long max, String expected,
                                        List<InvalidParam> problems) {
        if (given == null) {
            return OptionalLong.of(absent);
        }
        try {
            if (DIGITS.matcher(given.value()).matches()) {
                // parseLong gives up as soon as the value overflows, however long the digit string.
                long value = Long.parseLong(given.value());
                if (value >= 1 && value <= max) {
                    return OptionalLong.of(value);
                }
            }
        } catch (NumberFormatException e) {
            // beyond a long: out of range like any other too-large value
        }
        problems.add(new InvalidParam(given.name(), expected));
        return OptionalLong.empty();
    }
}
