package com.repricer.storage.results;

import com.repricer.json.JsonStrings;
import com.repricer.rules.StrictUtf8;
import com.repricer.storage.PriceRecord;
import com.repricer.storage.Timestamps;
import jakarta.json.JsonException;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParser.Event;

import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one owner of the results file content: a tab-indented JSON array of records in sequence order.
 *
 * <pre>
 * [
 * 	{
 * 		"productId": "p1",
 * 		"previousPrice": null,
 * 		"newPrice": 3.50,
 * 		"timestamp": "2026-11-27T17:13:07.123456789Z"
 * 	}
 * ]
 * </pre>
 *
 * Prices are written in plain notation with their scale ({@code 3.50}, never {@code 3.5} or {@code 3.5E+0}).
 * Records carry no sequence number: a file's name gives its first one and the rest follow without gaps.
 */
public final class ResultsFileFormat {

    /** {@code Json.createParser} looks the provider up on every call (a service-loader scan): once is enough. */
    private static final JsonParserFactory PARSERS = JsonProvider.provider().createParserFactory(Map.of());

    private ResultsFileFormat() {
    }

    public static byte[] encode(List<PriceRecord> records) {
        StringBuilder out = new StringBuilder(160 * records.size() + 4);
        out.append('[');
        for (int i = 0; i < records.size(); i++) {
            PriceRecord record = records.get(i);
            out.append(i == 0 ? "\n\t{\n" : ",\n\t{\n");
            out.append("\t\t\"productId\": ");
            JsonStrings.appendQuoted(out, record.productId());
            out.append(",\n\t\t\"previousPrice\": ")
               .append(record.previousPrice() == null ? "null" : record.previousPrice().toPlainString())
               .append(",\n\t\t\"newPrice\": ").append(record.newPrice().toPlainString())
               .append(",\n\t\t\"timestamp\": \"").append(Timestamps.rfc3339(record.timestampNanos()))
               .append("\"\n\t}");
        }
        out.append("\n]\n");
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A results file's product ids, in record order (repeats included), and its first record's timestamp. */
    public record Summary(List<String> productIds, long firstTimestampNanos) {
    }

    private static final byte[] FIRST_RECORD = ascii("[\n\t{\n\t\t\"productId\": \"");
    private static final byte[] NEXT_RECORD = ascii(",\n\t{\n\t\t\"productId\": \"");
    private static final byte[] PREVIOUS_PRICE = ascii("\",\n\t\t\"previousPrice\": ");
    private static final byte[] NEW_PRICE = ascii(",\n\t\t\"newPrice\": ");
    private static final byte[] TIMESTAMP = ascii(",\n\t\t\"timestamp\": \"");
    private static final byte[] RECORD_END = ascii("\"\n\t}");
    private static final byte[] FILE_END = ascii("\n]\n");
    /** Longer than any RFC 3339 timestamp {@link #encode} writes: a longer run is not one. */
    private static final int MAX_TIMESTAMP_CHARS = 40;

    /**
     * The product ids and first timestamp of a file in exactly the layout {@link #encode} writes, read without
     * building its records: the archive mover indexes every file it packs, and a full {@link #decode} (a JSON
     * parser, two {@code BigDecimal}s and an {@code Instant} a record) took a fifth of a segment's write. Checks the
     * layout byte for byte around the values, that prices are made of number characters and timestamps of
     * timestamp characters, and parses the first timestamp; it does not parse the others or the prices.
     *
     * @return empty if the content is not exactly that layout, or an id needs unescaping or is not ASCII: then
     *         {@link #decode} reads it (and says what is wrong, if anything)
     */
    public static Optional<Summary> summarize(byte[] content) {
        List<String> ids = new ArrayList<>();
        long firstTimestamp = 0;
        int at = 0;
        while (true) {
            byte[] start = ids.isEmpty() ? FIRST_RECORD : NEXT_RECORD;
            if (!startsWith(content, at, start)) {
                boolean complete = !ids.isEmpty() && startsWith(content, at, FILE_END)
                                   && at + FILE_END.length == content.length;
                return complete ? Optional.of(new Summary(ids, firstTimestamp)) : Optional.empty();
            }
            at += start.length;
            int idEnd = at;
            while (idEnd < content.length && content[idEnd] != '"') {
                int b = content[idEnd] & 0xff;
                if (b == '\\' || b < 0x20 || b >= 0x7f) {
                    return Optional.empty(); // escaped or not ASCII: decode it properly
                }
                idEnd++;
            }
            if (idEnd == at) {
                return Optional.empty();
            }
            String id = new String(content, at, idEnd - at, StandardCharsets.US_ASCII);
            at = idEnd;
            if (!startsWith(content, at, PREVIOUS_PRICE)) {
                return Optional.empty();
            }
            at += PREVIOUS_PRICE.length;
            at = startsWith(content, at, NULL) ? at + NULL.length : skipNumber(content, at);
            if (at < 0 || !startsWith(content, at, NEW_PRICE)) {
                return Optional.empty();
            }
            at = skipNumber(content, at + NEW_PRICE.length);
            if (at < 0 || !startsWith(content, at, TIMESTAMP)) {
                return Optional.empty();
            }
            at += TIMESTAMP.length;
            int timestampEnd = at;
            while (timestampEnd < content.length && timestampEnd - at <= MAX_TIMESTAMP_CHARS
                   && isTimestampChar(content[timestampEnd])) {
                timestampEnd++;
            }
            if (ids.isEmpty()) {
                try {
                    firstTimestamp = Timestamps.epochNanos(Instant.parse(
                            new String(content, at, timestampEnd - at, StandardCharsets.US_ASCII)));
                } catch (java.time.format.DateTimeParseException | ArithmeticException e) {
                    return Optional.empty();
                }
            }
            at = timestampEnd;
            if (!startsWith(content, at, RECORD_END)) {
                return Optional.empty();
            }
            at += RECORD_END.length;
            ids.add(id);
        }
    }

    private static final byte[] NULL = ascii("null");

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean startsWith(byte[] content, int at, byte[] expected) {
        return content.length - at >= expected.length
               && java.util.Arrays.equals(content, at, at + expected.length, expected, 0, expected.length);
    }

    /** The index after a run of number characters at {@code at}, or −1 if there is none. */
    private static int skipNumber(byte[] content, int at) {
        int end = at;
        while (end < content.length && (content[end] >= '0' && content[end] <= '9' || content[end] == '.'
                                        || content[end] == '-')) {
            end++;
        }
        return end == at ? -1 : end;
    }

    private static boolean isTimestampChar(byte b) {
        return b >= '0' && b <= '9' || b == '-' || b == ':' || b == '.' || b == 'T' || b == 'Z';
    }

    /**
     * Parses a whole file.
     *
     * @param firstSequence the sequence number of the file's first record (from its name)
     * @throws MalformedResultsFileException if the bytes are not a complete, well-formed results file
     */
    public static List<PriceRecord> decode(byte[] content, long firstSequence) {
        List<PriceRecord> records = new ArrayList<>();
        try (JsonParser parser = PARSERS.createParser(new StringReader(strictUtf8(content)))) {
            expect(parser, Event.START_ARRAY);
            for (Event event = parser.next(); event != Event.END_ARRAY; event = parser.next()) {
                if (event != Event.START_OBJECT) {
                    throw new MalformedResultsFileException("expected a record object, found " + event);
                }
                records.add(decodeRecord(parser, firstSequence + records.size()));
            }
            if (parser.hasNext()) {
                throw new MalformedResultsFileException("data after the closing bracket");
            }
        } catch (JsonException | java.util.NoSuchElementException | ArithmeticException
                 | java.time.format.DateTimeParseException e) {
            throw new MalformedResultsFileException(e.getMessage());
        }
        return records;
    }

    private static String strictUtf8(byte[] content) {
        try {
            return StrictUtf8.decode(content);
        } catch (CharacterCodingException e) {
            throw new MalformedResultsFileException("not valid UTF-8");
        }
    }

    private static PriceRecord decodeRecord(JsonParser parser, long sequence) {
        String productId = null;
        BigDecimal previousPrice = null;
        BigDecimal newPrice = null;
        Long timestamp = null;
        Set<String> seen = new HashSet<>();
        for (Event event = parser.next(); event != Event.END_OBJECT; event = parser.next()) {
            if (event != Event.KEY_NAME) {
                throw new MalformedResultsFileException("expected a field name, found " + event);
            }
            String key = parser.getString();
            Event value = parser.next();
            if (!seen.add(key)) {
                throw new MalformedResultsFileException("record " + sequence + " repeats " + key);
            }
            switch (key) {
                case "productId" -> productId = string(parser, value, key);
                case "previousPrice" -> previousPrice = value == Event.VALUE_NULL ? null : number(parser, value, key);
                case "newPrice" -> newPrice = number(parser, value, key);
                case "timestamp" -> timestamp = Timestamps.epochNanos(Instant.parse(string(parser, value, key)));
                default -> throw new MalformedResultsFileException("unknown field " + key);
            }
        }
        if (seen.size() != 4) {
            throw new MalformedResultsFileException("record " + sequence + " lacks a field");
        }
        return new PriceRecord(sequence, productId, previousPrice, newPrice, timestamp);
    }

    private static String string(JsonParser parser, Event value, String key) {
        if (value != Event.VALUE_STRING) {
            throw new MalformedResultsFileException(key + " is not a string");
        }
        return parser.getString();
    }

    private static BigDecimal number(JsonParser parser, Event value, String key) {
        if (value != Event.VALUE_NUMBER) {
            throw new MalformedResultsFileException(key + " is not a number");
        }
        return new BigDecimal(parser.getString());
    }

    private static void expect(JsonParser parser, Event expected) {
        Event actual = parser.next();
        if (actual != expected) {
            throw new MalformedResultsFileException("expected " + expected + ", found " + actual);
        }
    }

    /** The content is not a complete results file: truncated, garbled or of another shape. */
    public static final class MalformedResultsFileException extends RuntimeException {
        MalformedResultsFileException(String message) {
            super(message);
        }
    }
}
