package com.repricer.api;

import java.math.BigDecimal;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * Random {@code POST /api/reprice} bodies for the fuzz tests, with an oracle written independently of
 * {@link RepriceRequest}: the generator knows what each product id literal decodes to, and SPEC §1's rules are
 * re-stated here with the JDK's own tools (a strict UTF-8 encoder, {@link Character#getType}, {@link BigDecimal}).
 *
 * <p>Three kinds, mixed: arbitrary bytes; well-formed bodies whose validity the oracle predicts; and well-formed
 * bodies mutated structurally (duplicated, missing, unknown fields, other numbers, odd ids) and byte-wise (flips,
 * insertions, deletions, truncation).
 */
final class RepriceBodies {

    /** JSON's number grammar (RFC 8259 §6). */
    static final Pattern JSON_NUMBER = Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");
    /**
     * The number after the {@code "price"} key in valid JSON text: within a string every literal quote is escaped,
     * so an unescaped {@code "price"} followed by a colon is the key.
     */
    static final Pattern PRICE_MEMBER = Pattern.compile(
            "(?<!\\\\)\"price\"[ \\t\\n\\r]*:[ \\t\\n\\r]*(" + JSON_NUMBER.pattern() + ")");

    private static final BigDecimal PRICE_LIMIT = BigDecimal.TEN.pow(20);
    private static final String WHITESPACE = " \t\n\r";
    private static final byte[] JSON_ALPHABET = Fuzz.utf8("{}[]\":,.-+0123456789eE \t\n\rtruefalsnpicIdu\\/");
    /** Bytes that are never valid UTF-8 where they stand: lone continuation, overlong, CESU-8 surrogate, 0xFF. */
    private static final byte[][] BAD_UTF8 = {
            {(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xED, (byte) 0xBF, (byte) 0xBF}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82}};
    /** Characters on either side of the id rules' edges: C0, DEL, C1, NBSP, surrogates, noncharacters. */
    private static final String EDGE_CHARS = "\u0000\u001F\u0020\u007E\u007F\u0080\u0085\u009F\u00A0\u00AD"
                                             + "\uD800\uDBFF\uDC00\uDFFF\uE000\uFEFF\uFFFE\uFFFF";
    private static final String[] NOT_NUMBERS = {
            "\"3.50\"", "null", "true", "false", "NaN", "Infinity", "-Infinity", "{}", "[1]", "01", ".5", "+1", "1.",
            "0x10", "1e", "--1", "\"\"", "[]"};

    private RepriceBodies() {
    }

    /** A generated body, with the oracle's prediction where it can make one. */
    record Body(byte[] bytes, Expectation expected) {
    }

    /** What SPEC §1 says about a body, as far as the generator knows it. */
    sealed interface Expectation {
    }

    /** A well-formed body that must be accepted with exactly this id and price. */
    record Accept(String productId, BigDecimal price) implements Expectation {
    }

    /** A well-formed body that must be refused with 400. */
    record Reject(String why) implements Expectation {
    }

    /** Mutated or random: it may go either way, but if it is accepted it must still satisfy SPEC §1. */
    record Unknown() implements Expectation {
    }

    static Body next(Random random) {
        int kind = random.nextInt(10);
        if (kind < 2) {
            return new Body(randomBytes(random), new Unknown());
        }
        Members members = Members.random(random);
        if (kind < 6) {
            return new Body(Fuzz.utf8(members.text()), members.expectation());
        }
        return new Body(mutate(members, random), new Unknown());
    }

    // ---------------------------------------------------------------------------------------------------------
    // The oracle: SPEC §1 restated

    /** Why {@code id} is not a valid product id, or {@code null}. */
    static String idProblem(String id) {
        if (id.isEmpty()) {
            return "empty";
        }
        int utf8Bytes;
        try {
            utf8Bytes = StandardCharsets.UTF_8.newEncoder()
                                              .onMalformedInput(CodingErrorAction.REPORT)
                                              .onUnmappableCharacter(CodingErrorAction.REPORT)
                                              .encode(CharBuffer.wrap(id)).remaining();
        } catch (CharacterCodingException e) {
            return "lone surrogate";
        }
        if (utf8Bytes > 512) {
            return utf8Bytes + " UTF-8 bytes";
        }
        if (id.codePoints().anyMatch(c -> Character.getType(c) == Character.CONTROL)) {
            return "control character";
        }
        return null;
    }

    /** The stored value of a price written as {@code text} (a JSON number), or {@code null} if SPEC §1 refuses it. */
    static BigDecimal priceOrNull(String text) {
        BigDecimal value;
        try {
            value = new BigDecimal(text);
        } catch (NumberFormatException e) {
            return null;  // an exponent beyond an int: far out of range either way
        }
        if (value.signum() <= 0 || value.compareTo(PRICE_LIMIT) >= 0 || value.scale() > 18) {
            return null;
        }
        return value.scale() < 0 ? value.setScale(0) : value;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Well-formed bodies

    /** An object's members as JSON text, with the whitespace around them, and what the generator knows of them. */
    private static final class Members {
        final List<String> members = new ArrayList<>();
        final List<String> spaces = new ArrayList<>();
        Id id;
        String price;

        static Members random(Random random) {
            Members body = new Members();
            body.id = Id.random(random);
            body.price = price(random);
            body.members.add("\"productId\"" + space(random) + ":" + space(random) + body.id.literal());
            body.members.add("\"price\"" + space(random) + ":" + space(random) + body.price);
            Collections.shuffle(body.members, random);
            for (int i = 0; i <= body.members.size() + 1; i++) {
                body.spaces.add(space(random));
            }
            return body;
        }

        String text() {
            StringBuilder text = new StringBuilder(spaces.get(0)).append('{');
            for (int i = 0; i < members.size(); i++) {
                text.append(i == 0 ? "" : ",").append(spaces.get(i + 1)).append(members.get(i));
            }
            return text.append('}').append(spaces.getLast()).toString();
        }

        Expectation expectation() {
            if (!id.wellFormed()) {
                return new Reject("a raw control character in the id literal is not JSON");
            }
            if (!JSON_NUMBER.matcher(price).matches()) {
                return new Reject("price " + price + " is not a JSON number");
            }
            String idProblem = idProblem(id.decoded());
            BigDecimal value = priceOrNull(price);
            if (idProblem != null || value == null) {
                return new Reject((idProblem == null ? "" : "id: " + idProblem + " ")
                                  + (value == null ? "price out of range" : ""));
            }
            return new Accept(id.decoded(), value);
        }
    }

    /**
     * A product id as a JSON string literal and what it decodes to.
     *
     * @param wellFormed false if the literal holds a raw control character (not allowed in JSON strings)
     */
    private record Id(String literal, String decoded, boolean wellFormed) {

        static Id random(Random random) {
            StringBuilder literal = new StringBuilder("\"");
            StringBuilder decoded = new StringBuilder();
            boolean wellFormed = true;
            int length = switch (random.nextInt(10)) {
                case 0 -> 0;
                case 1 -> 120 + random.nextInt(20);  // around 512 UTF-8 bytes, mostly in 4-byte pieces
                default -> 1 + random.nextInt(12);
            };
            boolean plain = random.nextBoolean();  // only characters a valid id may hold
            for (int i = 0; i < length; i++) {
                int kind = plain ? List.of(0, 1, 2, 3, 4, 7, 11).get(random.nextInt(7)) : random.nextInt(12);
                switch (kind) {
                    case 0, 1 -> {  // printable ASCII other than the two that need escaping
                        char c = (char) (0x20 + random.nextInt(0x5F));
                        c = c == '"' || c == '\\' ? 'x' : c;
                        literal.append(c);
                        decoded.append(c);
                    }
                    case 2 -> {  // a raw BMP character above Latin-1's controls, not a surrogate
                        char c = (char) (0xA0 + random.nextInt(0xD800 - 0xA0));
                        literal.append(c);
                        decoded.append(c);
                    }
                    case 3 -> {  // a raw supplementary character (4 UTF-8 bytes)
                        String c = Character.toString(0x1F300 + random.nextInt(0x300));
                        literal.append(c);
                        decoded.append(c);
                    }
                    case 4 -> {  // a short escape (\b, \f, \n, \r, \t decode to controls)
                        int e = plain ? random.nextInt(3) : random.nextInt(8);
                        literal.append('\\').append("\"\\/bfnrt".charAt(e));
                        decoded.append("\"\\/\b\f\n\r\t".charAt(e));
                    }
                    case 5, 6 -> {  // a \\u escape of anything, controls and lone surrogates included
                        char c = switch (random.nextInt(5)) {
                            case 0 -> (char) random.nextInt(0x20);
                            case 1 -> (char) (0x7F + random.nextInt(0x21));
                            case 2 -> (char) (0xD800 + random.nextInt(0x800));
                            default -> (char) random.nextInt(0x10000);
                        };
                        literal.append(String.format(random.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
                        decoded.append(c);
                    }
                    case 7 -> {  // an escaped surrogate pair: a valid supplementary character
                        String c = Character.toString(0x10000 + random.nextInt(0x100000));
                        literal.append(String.format("\\u%04X\\u%04X", (int) c.charAt(0), (int) c.charAt(1)));
                        decoded.append(c);
                    }
                    case 8 -> {  // a raw C1 control or DEL: valid JSON, not a valid id
                        char c = random.nextBoolean() ? '\u007F' : (char) (0x80 + random.nextInt(0x20));
                        literal.append(c);
                        decoded.append(c);
                    }
                    case 9 -> {  // a raw C0 control: not JSON at all
                        char c = (char) random.nextInt(0x20);
                        literal.append(c);
                        decoded.append(c);
                        wellFormed = false;
                    }
                    default -> {  // characters that look like paths and encodings, all allowed
                        String c = List.of("/", "..", "%2F", "+", " ", "%", "?", "#").get(random.nextInt(8));
                        literal.append(c);
                        decoded.append(c);
                    }
                }
            }
            if (plain && random.nextBoolean()) {
                // One character at an edge of SPEC §1's rules, raw or escaped, ending an otherwise valid id.
                char c = EDGE_CHARS.charAt(random.nextInt(EDGE_CHARS.length()));
                boolean escaped = Character.isSurrogate(c) || c < 0x20 || random.nextBoolean();
                literal.append(escaped ? String.format("\\u%04X", (int) c) : String.valueOf(c));
                decoded.append(c);
            }
            return new Id(literal.append('"').toString(), decoded.toString(), wellFormed);
        }
    }

    /** A price's text: mostly JSON numbers in and around DECIMAL(38,18), sometimes far out or not numbers at all. */
    static String price(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> NOT_NUMBERS[random.nextInt(NOT_NUMBERS.length)];
            case 1 -> digits(random, 1, 1) + "." + "0".repeat(random.nextInt(30)) + digits(random, 1, 3);
            case 2 -> digits(random, 1, 2) + "e" + hugeExponent(random);
            case 3 -> "9".repeat(1 + random.nextInt(random.nextBoolean() ? 45 : 2000));
            case 4, 5, 6, 7 -> inRange(random);
            default -> number(random);
        };
    }

    /** A number SPEC §1 accepts: up to 20 integer digits, up to 18 written fraction digits, maybe an exponent. */
    private static String inRange(Random random) {
        String integer = random.nextInt(5) == 0 ? "0" : digits(random, 1, 1 + random.nextInt(20));
        String fraction = digits(random, 0, 18);
        if (integer.equals("0") && fraction.isEmpty()) {
            fraction = "5";
        }
        String text = integer + (fraction.isEmpty() ? "" : "." + fraction);
        if (random.nextInt(4) == 0) {
            // An exponent that shifts the point without leaving the range: e.g. 1.50e1, 150e-2.
            int shift = random.nextInt(3);
            int exponent = random.nextBoolean() ? Math.min(shift, 20 - integer.length())
                                                : -Math.min(shift, 18 - fraction.length());
            text += (random.nextBoolean() ? "e" : "E") + exponent;
        }
        return text;
    }

    /** A JSON number: sign, integer part, fraction and exponent, each sometimes absent, long or odd. */
    private static String number(Random random) {
        StringBuilder text = new StringBuilder();
        if (random.nextInt(8) == 0) {
            text.append('-');
        }
        text.append(random.nextInt(4) == 0 ? "0" : digits(random, 1, random.nextInt(5) == 0 ? 25 : 8));
        if (random.nextBoolean()) {
            text.append('.').append(random.nextInt(6) == 0 ? "0".repeat(1 + random.nextInt(20)) : "")
                .append(digits(random, 0, random.nextInt(5) == 0 ? 22 : 6)).append(random.nextInt(4));
        }
        if (random.nextInt(4) == 0) {
            text.append(random.nextBoolean() ? 'e' : 'E').append(List.of("", "+", "-").get(random.nextInt(3)))
                .append(random.nextInt(6) == 0 ? hugeExponent(random) : String.valueOf(random.nextInt(25)));
        }
        return text.toString();
    }

    private static String hugeExponent(Random random) {
        return List.of("999999999", "-999999999", "2147483647", "2147483648", "-2147483648", "-2147483649",
                       "99999999999999999999", "+0000000000000000000002", "-18", "19", "-19", "20")
                   .get(random.nextInt(12));
    }

    /** {@code min} to {@code max} digits, the first never 0. */
    private static String digits(Random random, int min, int max) {
        int count = min + random.nextInt(max - min + 1);
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < count; i++) {
            digits.append((char) ((i == 0 ? '1' : '0') + random.nextInt(i == 0 ? 9 : 10)));
        }
        return digits.toString();
    }

    private static String space(Random random) {
        StringBuilder space = new StringBuilder();
        for (int n = random.nextInt(4) == 0 ? random.nextInt(4) : 0; n > 0; n--) {
            space.append(WHITESPACE.charAt(random.nextInt(WHITESPACE.length())));
        }
        return space.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Random and mutated bodies

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(8) == 0 ? random.nextInt(400) : random.nextInt(48)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = random.nextBoolean() ? JSON_ALPHABET[random.nextInt(JSON_ALPHABET.length)]
                                            : (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** Structural changes to the members first, then changes to the bytes. */
    private static byte[] mutate(Members body, Random random) {
        for (int m = random.nextInt(3); m > 0; m--) {
            List<String> members = body.members;
            switch (random.nextInt(6)) {
                case 0 -> members.add(random.nextInt(members.size() + 1),                   // a duplicated field
                                      random.nextBoolean() ? "\"price\":" + price(random)
                                                           : "\"productId\":" + Id.random(random).literal());
                case 1 -> members.add("\"" + List.of("currency", "Price", "productid", "", "price ", "id")
                                                  .get(random.nextInt(6)) + "\":1");       // an unknown field
                case 2 -> {
                    if (!members.isEmpty()) {
                        members.remove(random.nextInt(members.size()));                    // a missing field
                    }
                }
                case 3 -> replace(members, "\"price\"", "\"price\":" + price(random));   // another number
                case 4 -> replace(members, "\"productId\"", "\"productId\":" + Id.random(random).literal());
                default -> replace(members, "\"price\"", "\"price\":" + NOT_NUMBERS[random.nextInt(NOT_NUMBERS.length)]);
            }
            while (body.spaces.size() < members.size() + 2) {
                body.spaces.add(space(random));
            }
        }
        byte[] bytes = Fuzz.utf8(body.text());
        for (int m = random.nextInt(4); m > 0 && bytes.length > 0; m--) {
            int at = random.nextInt(bytes.length);
            bytes = switch (random.nextInt(5)) {
                case 0 -> flip(bytes, at, random);
                case 1 -> insert(bytes, at, random.nextBoolean() ? new byte[] {JSON_ALPHABET[random.nextInt(
                        JSON_ALPHABET.length)]} : BAD_UTF8[random.nextInt(BAD_UTF8.length)]);
                case 2 -> insert(bytes, at, new byte[] {(byte) random.nextInt(256)});
                case 3 -> delete(bytes, at);
                default -> Arrays.copyOf(bytes, at);                                           // truncated
            };
        }
        return bytes;
    }

    private static void replace(List<String> members, String key, String member) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).startsWith(key)) {
                members.set(i, member);
                return;
            }
        }
    }

    private static byte[] flip(byte[] bytes, int at, Random random) {
        byte[] copy = bytes.clone();
        copy[at] ^= (byte) (1 << random.nextInt(8));
        return copy;
    }

    private static byte[] insert(byte[] bytes, int at, byte[] inserted) {
        byte[] copy = new byte[bytes.length + inserted.length];
        System.arraycopy(bytes, 0, copy, 0, at);
        System.arraycopy(inserted, 0, copy, at, inserted.length);
        System.arraycopy(bytes, at, copy, at + inserted.length, bytes.length - at);
        return copy;
    }

    private static byte[] delete(byte[] bytes, int at) {
        byte[] copy = new byte[bytes.length - 1];
        System.arraycopy(bytes, 0, copy, 0, at);
        System.arraycopy(bytes, at + 1, copy, at, bytes.length - at - 1);
        return copy;
    }
}
