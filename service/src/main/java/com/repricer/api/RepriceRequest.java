package com.repricer.api;

import com.repricer.rules.PriceRule;
import com.repricer.rules.StrictUtf8;

import jakarta.json.JsonException;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonLocation;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParser.Event;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;

import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The body of {@code POST /api/reprice}: {@code {"productId": "<string>", "price": <number>}}.
 *
 * @param productId a valid product id (see {@link ProductIds})
 * @param price     greater than 0, less than 10^20, scale 0–18, kept exactly as written ({@code 3.50} stays
 *                  {@code 3.50}; an exponent form such as {@code 1e2} is brought to scale 0, i.e. {@code 100})
 */
public record RepriceRequest(String productId, BigDecimal price) {

    private static final String PRICE = "price";

    /** DECIMAL(38,18): at most 20 digits before the point and 18 after. */
    private static final int MAX_INTEGER_DIGITS = PriceRule.MAX_INTEGER_DIGITS;
    private static final int MAX_SCALE = PriceRule.MAX_SCALE;
    private static final int MAX_PRECISION = PriceRule.MAX_PRECISION;

    // Json.createParser looks the provider up anew on every call; one factory serves all requests.
    private static final JsonParserFactory PARSERS = JsonProvider.provider().createParserFactory(Map.of());

    public RepriceRequest {
        Objects.requireNonNull(productId, "productId");
        Objects.requireNonNull(price, "price");
    }

    /**
     * Parses and validates a request body.
     *
     * @throws BadRequestException for anything but exactly one JSON object with a valid {@code productId} and
     *                             {@code price}; never any other exception
     */
    public static RepriceRequest parse(byte[] body) {
        String text = decodeUtf8(body);
        if (isJsonWhitespace(text)) {
            throw new BadRequestException("request body is empty; expected a JSON object with productId and price");
        }
        try (JsonParser parser = PARSERS.createParser(new StringReader(text))) {
            Event first = parser.next();
            if (first != Event.START_OBJECT) {
                throw new BadRequestException("request body must be a JSON object, not " + describe(first));
            }
            Fields fields = readFields(parser);
            requireEnd(parser);
            return fields.toRequest();
        } catch (JsonParsingException e) {
            throw new BadRequestException("request body is not valid JSON" + where(e.getLocation()));
        } catch (JsonException e) {
            throw new BadRequestException("request body is not valid JSON");
        }
    }

    private static String decodeUtf8(byte[] body) {
        try {
            return StrictUtf8.decode(body);
        } catch (CharacterCodingException e) {
            throw new BadRequestException("request body is not valid UTF-8");
        }
    }

    /**
     * Reads the members of the top-level object up to its END_OBJECT. Value problems are collected so that a
     * body with a bad id and a bad price names both; a structural problem (unknown or repeated field, nested
     * value) stops at once, as we never walk into nested values.
     */
    private static Fields readFields(JsonParser parser) {
        Fields fields = new Fields();
        // Never descending, the only events at this level are KEY_NAME and the closing END_OBJECT.
        for (Event event = parser.next(); event != Event.END_OBJECT; event = parser.next()) {
            String name = parser.getString();
            if (!name.equals(ProductIds.FIELD) && !name.equals(PRICE)) {
                throw fields.failWith(new InvalidParam(name, "unknown field; expected only productId and price"));
            }
            if (!fields.firstTime(name)) {
                throw fields.failWith(new InvalidParam(name, "field given more than once"));
            }
            Event value = parser.next();
            if (value == Event.START_OBJECT || value == Event.START_ARRAY) {
                throw fields.failWith(wrongType(name, value));
            }
            if (name.equals(ProductIds.FIELD)) {
                fields.productId(parser, value);
            } else {
                fields.price(parser, value);
            }
        }
        return fields;
    }

    /** Only JSON whitespace may follow the object. Parsson reports other data from hasNext() as an error. */
    private static void requireEnd(JsonParser parser) {
        boolean more;
        try {
            more = parser.hasNext();
        } catch (JsonParsingException e) {
            more = true;
        }
        if (more) {
            throw new BadRequestException("request body has data after the JSON object");
        }
    }

    /** The values read so far and the problems found with them. */
    private static final class Fields {
        private final Set<String> seen = new HashSet<>();
        private final List<InvalidParam> problems = new ArrayList<>();
        private String productId;
        private BigDecimal price;

        /** @return false if the field was given before */
        boolean firstTime(String name) {
            return seen.add(name);
        }

        void productId(JsonParser parser, Event value) {
            if (value != Event.VALUE_STRING) {
                problems.add(wrongType(ProductIds.FIELD, value));
                return;
            }
            String id = parser.getString();
            ProductIds.validate(ProductIds.FIELD, id).ifPresentOrElse(problems::add, () -> productId = id);
        }

        void price(JsonParser parser, Event value) {
            if (value != Event.VALUE_NUMBER) {
                problems.add(wrongType(PRICE, value));
                return;
            }
            try {
                // The number's text, never a double: 3.50 must stay 3.50.
                price = parsePrice(parser.getString());
            } catch (BadRequestException e) {
                problems.addAll(e.invalidParams());
            }
        }

        BadRequestException failWith(InvalidParam problem) {
            problems.add(problem);
            return BadRequestException.of(problems);
        }

        RepriceRequest toRequest() {
            for (String name : List.of(ProductIds.FIELD, PRICE)) {
                if (!seen.contains(name)) {
                    problems.add(new InvalidParam(name, "required field is missing"));
                }
            }
            if (!problems.isEmpty()) {
                throw BadRequestException.of(problems);
            }
            return new RepriceRequest(productId, price);
        }
    }

    /**
     * Parses a JSON number's text as a DECIMAL(38,18) price. Cheap checks on the text and on BigDecimal's int
     * fields come first, so {@code 1e999999999} or 60 000 digits are turned away without big arithmetic.
     *
     * @throws BadRequestException naming {@code price} if it is out of range
     */
    private static BigDecimal parsePrice(String number) {
        if (number.startsWith("-")) {
            throw invalidPrice("must be greater than 0");
        }
        // A valid price has at most 38 significant digits (20 before the point, 18 after), so anything longer
        // is out, and we never parse an enormous mantissa (BigInteger parsing is quadratic).
        if (significantDigits(number) > MAX_PRECISION) {
            throw invalidPrice("must fit DECIMAL(38,18): more than " + MAX_PRECISION + " significant digits");
        }
        BigDecimal value;
        try {
            value = new BigDecimal(number);
        } catch (NumberFormatException e) {
            throw invalidPrice("exponent is out of range");  // the exponent or resulting scale overflows an int
        }
        if (value.signum() <= 0) {
            throw invalidPrice("must be greater than 0");
        }
        // For a positive value, 10^(precision-scale-1) <= value < 10^(precision-scale); long math cannot overflow.
        if ((long) value.precision() - value.scale() > MAX_INTEGER_DIGITS) {
            throw invalidPrice("must be less than 10^20");
        }
        if (value.scale() > MAX_SCALE) {
            throw invalidPrice("must have at most " + MAX_SCALE + " digits after the decimal point (has "
                               + value.scale() + ")");
        }
        // An exponent form such as 1e2 has a negative scale (unscaled 1, scale -2); store it as the plain
        // integer 100. The range check above bounds the scale to >= -20, so this is cheap.
        return value.scale() < 0 ? value.setScale(0) : value;
    }

    private static BadRequestException invalidPrice(String reason) {
        return BadRequestException.of(new InvalidParam(PRICE, reason));
    }

    /** Digits of the mantissa without leading zeros: what BigDecimal's precision would be, without building it. */
    private static int significantDigits(String number) {
        int count = 0;
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            if (c == 'e' || c == 'E') {
                break;
            }
            if ((c >= '1' && c <= '9') || (c == '0' && count > 0)) {
                count++;
            }
        }
        return count;
    }

    private static InvalidParam wrongType(String name, Event value) {
        String expected = name.equals(PRICE) ? "a JSON number" : "a JSON string";
        return new InvalidParam(name, "must be " + expected + ", not " + describe(value));
    }

    private static String describe(Event event) {
        return switch (event) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> event.toString();
        };
    }

    private static boolean isJsonWhitespace(String text) {
        return text.chars().allMatch(c -> c == ' ' || c == '\t' || c == '\n' || c == '\r');
    }

    private static String where(JsonLocation location) {
        return location == null ? ""
                : " (line " + location.getLineNumber() + ", column " + location.getColumnNumber() + ")";
    }
}
