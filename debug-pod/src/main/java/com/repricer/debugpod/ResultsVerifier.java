package com.repricer.debugpod;

import com.repricer.kube.HumanDuration;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks copied results files against SPEC §2, independently of the service's code: each file is a JSON array of
 * well-formed records ({@code productId}, {@code previousPrice}, {@code newPrice}, {@code timestamp}, nothing
 * else); the name's record count and first timestamp match the content; sequence numbers run on from file to file
 * without gaps; timestamps strictly increase; and for every product each record's {@code previousPrice} equals the
 * product's previous {@code newPrice} (the first is {@code null}).
 *
 * <p>Files are fed in name order ({@link #accept}), which is sequence order. When the first file does not start at
 * sequence 1 (a {@code --since} download), a product's first record seen cannot be checked against a price before
 * it; the chain is checked from there on. After an invalid file the chain restarts the same way, so one bad file is
 * reported once rather than as a cascade of chain breaks.
 */
public final class ResultsVerifier {

    static final int MAX_PROBLEMS_SHOWN = 20;
    private static final Pattern RFC3339_UTC_NANOS =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{9}Z");
    private static final JsonFactory JSON = JsonFactory.builder()
                                                       .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                                                       .build();

    private final List<String> problems = new ArrayList<>();
    private final Map<String, BigDecimal> lastPrice = new HashMap<>();
    private final Set<String> products = new HashSet<>();
    private boolean chainFromStart;
    private ResultsFileName previousFile;
    private Instant lastTimestamp;
    private Instant firstTimestamp;
    private long firstSequence;
    private int files;
    private long records;
    private long bytes;

    /** Verifies every file in {@code resultsDirectory}, in name order. */
    public static Report verify(Path resultsDirectory) throws IOException {
        ResultsVerifier verifier = new ResultsVerifier();
        List<Path> paths;
        try (Stream<Path> listing = Files.list(resultsDirectory)) {
            paths = listing.sorted().toList();
        }
        for (Path path : paths) {
            verifier.accept(path.getFileName().toString(), Files.readAllBytes(path));
        }
        return verifier.report();
    }

    /** One file; files must come in name order. */
    public void accept(String name, byte[] content) {
        files++;
        bytes += content.length;
        Optional<ResultsFileName> parsed = ResultsFileName.parse(name);
        if (parsed.isEmpty()) {
            problems.add(name + ": not a results file name");
            return;
        }
        ResultsFileName file = parsed.get();
        if (previousFile == null) {
            firstSequence = file.firstSequence();
            chainFromStart = file.firstSequence() == 1;
        } else if (file.firstSequence() != previousFile.lastSequence() + 1) {
            problems.add(name + ": " + (file.firstSequence() > previousFile.lastSequence()
                    ? "sequences " + (previousFile.lastSequence() + 1) + "–" + (file.firstSequence() - 1)
                      + " are missing (no file holds them)"
                    : "overlaps " + previousFile.name()));
        }
        previousFile = file;
        List<Record> parsedRecords;
        try {
            parsedRecords = parse(content);
        } catch (JacksonException | InvalidRecordException e) {
            problems.add(name + ": " + describe(e));
            restartChain();
            return;
        }
        if (parsedRecords.size() != file.recordCount()) {
            problems.add(name + ": the name says " + file.recordCount() + " records, the file holds "
                         + parsedRecords.size());
        }
        if (!parsedRecords.isEmpty() && !parsedRecords.getFirst().timestamp().equals(file.firstTimestamp())) {
            problems.add(name + ": the name's timestamp " + file.firstTimestamp() + " is not the first record's "
                         + parsedRecords.getFirst().timestamp());
        }
        for (int i = 0; i < parsedRecords.size(); i++) {
            check(name, file.firstSequence() + i, parsedRecords.get(i));
        }
    }

    private void check(String name, long sequence, Record record) {
        records++;
        products.add(record.productId());
        if (firstTimestamp == null) {
            firstTimestamp = record.timestamp();
        }
        if (lastTimestamp != null && !record.timestamp().isAfter(lastTimestamp)) {
            problems.add(name + ": record " + sequence + " has timestamp " + record.timestamp()
                         + ", not after the previous record's " + lastTimestamp);
        }
        lastTimestamp = record.timestamp();
        BigDecimal previous = lastPrice.get(record.productId());
        if (previous != null || chainFromStart) {
            if (!Objects.equals(previous, record.previousPrice())) {
                problems.add(name + ": record " + sequence + " (product " + quoted(record.productId())
                             + ") has previousPrice " + plain(record.previousPrice()) + " but the product's "
                             + (previous == null ? "first record must have null" : "previous newPrice was "
                                                                                     + plain(previous)));
            }
        }
        lastPrice.put(record.productId(), record.newPrice());
    }

    private void restartChain() {
        lastPrice.clear();
        chainFromStart = false;
    }

    public Report report() {
        return new Report(files, records, products.size(), bytes, Optional.ofNullable(firstTimestamp),
                          Optional.ofNullable(lastTimestamp), firstSequence,
                          previousFile == null ? 0 : previousFile.lastSequence(), chainFromStart || records == 0,
                          List.copyOf(problems));
    }

    /** One record, as read from a results file. */
    record Record(String productId, BigDecimal previousPrice, BigDecimal newPrice, Instant timestamp) {
    }

    static List<Record> parse(byte[] content) {
        List<Record> out = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(ObjectReadContext.empty(), content)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new InvalidRecordException("not a JSON array");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token != JsonToken.START_OBJECT) {
                    throw new InvalidRecordException("element " + (out.size() + 1) + " is not an object: " + token);
                }
                out.add(record(parser, out.size() + 1));
            }
            if (parser.nextToken() != null) {
                throw new InvalidRecordException("data after the closing bracket");
            }
        }
        return out;
    }

    /** A record's fields: each exactly once, and no other (SPEC §2). */
    private enum Field {
        PRODUCT_ID("productId"), PREVIOUS_PRICE("previousPrice"), NEW_PRICE("newPrice"), TIMESTAMP("timestamp");

        private final String json;

        Field(String json) {
            this.json = json;
        }

        static Optional<Field> named(String json) {
            return Arrays.stream(values()).filter(field -> field.json.equals(json)).findFirst();
        }
    }

    private static Record record(JsonParser parser, int index) {
        String productId = null;
        BigDecimal previousPrice = null;
        BigDecimal newPrice = null;
        Instant timestamp = null;
        EnumSet<Field> seen = EnumSet.noneOf(Field.class);
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String name = parser.currentName();
            JsonToken value = parser.nextToken();
            Field field = Field.named(name).orElseThrow(
                    () -> new InvalidRecordException("record " + index + ": unknown field " + quoted(name)));
            seen.add(field);
            switch (field) {
                case PRODUCT_ID -> {
                    if (value != JsonToken.VALUE_STRING || parser.getString().isEmpty()) {
                        throw new InvalidRecordException("record " + index + ": productId is not a non-empty string");
                    }
                    productId = parser.getString();
                }
                case PREVIOUS_PRICE ->
                        previousPrice = value == JsonToken.VALUE_NULL ? null : price(parser, value, index, name);
                case NEW_PRICE -> newPrice = price(parser, value, index, name);
                case TIMESTAMP -> {
                    if (value != JsonToken.VALUE_STRING || !RFC3339_UTC_NANOS.matcher(parser.getString()).matches()) {
                        throw new InvalidRecordException("record " + index + ": timestamp is not RFC 3339 UTC with "
                                                         + "9 fraction digits");
                    }
                    try {
                        timestamp = Instant.parse(parser.getString());
                    } catch (DateTimeException e) {
                        throw new InvalidRecordException("record " + index + ": timestamp " + parser.getString()
                                                         + " is not a date-time");
                    }
                }
            }
        }
        if (seen.size() != Field.values().length) {
            Set<String> missing = new TreeSet<>();
            EnumSet.complementOf(seen).forEach(field -> missing.add(field.json));
            throw new InvalidRecordException("record " + index + ": missing " + String.join(", ", missing));
        }
        return new Record(productId, previousPrice, newPrice, timestamp);
    }

    private static BigDecimal price(JsonParser parser, JsonToken value, int index, String field) {
        if (value != JsonToken.VALUE_NUMBER_INT && value != JsonToken.VALUE_NUMBER_FLOAT) {
            throw new InvalidRecordException("record " + index + ": " + field + " is not a number");
        }
        BigDecimal price = parser.getDecimalValue();
        if (price.signum() <= 0) {
            throw new InvalidRecordException("record " + index + ": " + field + " " + price.toPlainString()
                                             + " is not positive");
        }
        return price;
    }

    private static String describe(RuntimeException e) {
        if (e instanceof JacksonException json) {
            return "not valid JSON: " + json.getOriginalMessage();
        }
        return e.getMessage();
    }

    private static String plain(BigDecimal price) {
        return price == null ? "null" : price.toPlainString();
    }

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    /** The content is JSON but not a results record array. */
    static final class InvalidRecordException extends RuntimeException {
        InvalidRecordException(String message) {
            super(message);
        }
    }

    /** What the verification found. */
    public record Report(int files, long records, int products, long bytes, Optional<Instant> firstTimestamp,
                         Optional<Instant> lastTimestamp, long firstSequence, long lastSequence,
                         boolean chainFromStart, List<String> problems) {

        public boolean ok() {
            return problems.isEmpty();
        }

        /** A few lines: what was verified, or what is wrong. */
        public String summary() {
            StringBuilder out = new StringBuilder();
            out.append(files).append(files == 1 ? " file, " : " files, ").append(TransferProgress.size(bytes))
               .append(": ").append(records).append(records == 1 ? " record of " : " records of ")
               .append(products).append(products == 1 ? " product" : " products");
            if (firstTimestamp.isPresent()) {
                out.append("\n  time span ").append(firstTimestamp.get()).append(" – ").append(lastTimestamp.get())
                   .append(" (").append(HumanDuration.format(Duration.between(firstTimestamp.get(), lastTimestamp.get())))
                   .append(")");
                out.append("\n  sequences ").append(firstSequence).append("–").append(lastSequence);
            }
            if (ok()) {
                out.append("\n  verified: every file a JSON array of valid records, no gaps, timestamps increasing, ")
                   .append("previousPrice chains hold")
                   .append(chainFromStart ? "" : " (from each product's first record here on)");
            } else {
                out.append("\n  ").append(problems.size()).append(problems.size() == 1 ? " PROBLEM:" : " PROBLEMS:");
                problems.stream().limit(MAX_PROBLEMS_SHOWN).forEach(p -> out.append("\n    ").append(p));
                if (problems.size() > MAX_PROBLEMS_SHOWN) {
                    out.append("\n    … and ").append(problems.size() - MAX_PROBLEMS_SHOWN).append(" more");
                }
            }
            return out.toString();
        }
    }
}
