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
