package com.repricer.openapi;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import com.repricer.RunningService.Response;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API's OpenAPI document ({@code META-INF/openapi.yml}) as a checker of real exchanges: it finds the documented
 * operation of a request, and lists every way the request or its response departs from the document. Schemas are
 * checked by networknt's JSON Schema validator in the OpenAPI 3.1 dialect, straight from the document (JSON
 * pointers into it, so {@code $ref}s resolve as any OpenAPI tool resolves them); this class only walks the
 * document's structure (paths, parameters, responses, headers, media types) to find the schema that applies.
 *
 * <p>It also records which documented (operation, status) pairs real responses have shown, so that a test can
 * demand that the service produces every status the document promises.
 */
final class OpenApiContract {

    static final String RESOURCE = "META-INF/openapi.yml";
    private static final String LOCATION = "classpath:" + RESOURCE;

    /** Headers every HTTP response may carry, documented or not: framing and the date. */
    private static final Set<String> FRAMING_HEADERS = Set.of("connection", "content-length", "content-type", "date",
                                                              "keep-alive", "transfer-encoding");
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
                                                      "trace");
    private static final Pattern TEMPLATE_VARIABLE = Pattern.compile("\\{([^}]+)}");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

    /** JSON as the service's clients should read it: decimals exact, duplicate names and trailing data refused. */
    private static final JsonMapper JSON = JsonMapper.builder()
                                                     .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                                                     .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                                                     .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                                                     .build();

    private final JsonNode document;
    private final List<Operation> operations;
    private final SchemaRegistry schemas = SchemaRegistry.withDialect(Dialects.getOpenApi31());
    private final Map<String, Schema> schemasByPointer = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    private OpenApiContract(JsonNode document) {
        this.document = document;
        this.operations = operations(document);
    }

    static OpenApiContract load() {
        try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path");
            }
            return new OpenApiContract(YAMLMapper.builder()
                                                 .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                                                 .build()
                                                 .readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A request as sent.
     *
     * @param target  the request target as sent: raw path, still percent-encoded, and query
     * @param headers by lower-case name
     */
    record Request(String method, String target, Map<String, List<String>> headers, byte[] body) {
    }

    /** One documented operation. */
    private record Operation(String method, String pathTemplate, Pattern path, List<String> pathVariables,
                             String pointer) {

        String key() {
            return method.toUpperCase(Locale.ROOT) + " " + pathTemplate;
        }
    }

    /** Every documented (operation, status) pair, e.g. {@code "POST /api/reprice 503"}. */
    Set<String> documentedResponses() {
        Set<String> documented = new LinkedHashSet<>();
        for (Operation operation : operations) {
            document.at(operation.pointer() + "/responses").propertyNames()
                    .forEach(status -> documented.add(operation.key() + " " + status));
        }
        return documented;
    }

    /** The documented pairs that {@link #responseViolations} has seen answered. */
    Set<String> seenResponses() {
        return Set.copyOf(seen);
    }

    /** Where {@code request} departs from the document: unknown operation, parameters, headers or body. */
    List<String> requestViolations(Request request) {
        List<String> violations = new ArrayList<>();
        String rawPath = request.target().split("\\?", 2)[0];
        Operation operation = operation(request.method(), rawPath);
        if (operation == null) {
            violations.add("no documented operation for " + request.method() + " " + rawPath);
            return violations;
        }
        JsonNode op = document.at(operation.pointer());
        Map<String, String> parameterPointers = new HashMap<>();
        Map<String, JsonNode> parameters = new LinkedHashMap<>();
        for (int i = 0; i < op.path("parameters").size(); i++) {
            String pointer = resolve(operation.pointer() + "/parameters/" + i);
            JsonNode parameter = document.at(pointer);
            String key = parameter.path("in").asString() + ":" + parameter.path("name").asString();
            parameters.put(key, parameter);
            parameterPointers.put(key, pointer);
        }

        Matcher path = operation.path().matcher(rawPath);
        if (!path.matches()) {
            throw new IllegalStateException("operation found for a path it does not match: " + rawPath);
        }
        for (int i = 0; i < operation.pathVariables().size(); i++) {
            String name = operation.pathVariables().get(i);
            String key = "path:" + name;
            String value = percentDecode(path.group(i + 1));
            if (value == null) {
                violations.add("path parameter " + name + ": not percent-encoded UTF-8: " + path.group(i + 1));
            } else if (parameters.containsKey(key)) {
                check(violations, "path parameter " + name, parameterPointers.get(key) + "/schema", value);
            } else {
                violations.add("path parameter " + name + " is not documented");
            }
        }

        Map<String, List<String>> query = query(request.target(), violations);
        query.forEach((name, values) -> {
            String key = "query:" + name;
            if (!parameters.containsKey(key)) {
                violations.add("query parameter " + name + " is not documented");
            } else if (values.size() > 1) {
                violations.add("query parameter " + name + " is given " + values.size() + " times");
            } else {
                check(violations, "query parameter " + name, parameterPointers.get(key) + "/schema", values.getFirst());
            }
        });

        parameters.forEach((key, parameter) -> {
            String name = parameter.path("name").asString();
            boolean required = parameter.path("required").asBoolean(false);
            if (key.startsWith("header:")) {
                List<String> values = request.headers().getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
                if (values.size() > 1) {
                    violations.add("header " + name + " is sent " + values.size() + " times");
                } else if (values.size() == 1) {
                    check(violations, "header " + name, parameterPointers.get(key) + "/schema", values.getFirst());
                } else if (required) {
                    violations.add("required header " + name + " is missing");
                }
            } else if (key.startsWith("query:") && required && !query.containsKey(name)) {
                violations.add("required query parameter " + name + " is missing");
            }
        });

        String requestBody = resolve(operation.pointer() + "/requestBody");
        if (document.at(requestBody).isMissingNode()) {
            if (request.body().length > 0) {
                violations.add("a body is sent, but the operation documents none");
            }
        } else if (request.body().length == 0) {
            if (document.at(requestBody + "/required").asBoolean(false)) {
                violations.add("the required body is missing");
            }
        } else {
            // The service does not enforce the content type (curl -d works): the body is held to the JSON schema.
            checkJson(violations, "request body", requestBody + "/content/application~1json/schema", request.body());
        }
        return violations;
    }

    /**
     * Where {@code response} to {@code request} departs from the document: an undocumented status, a missing
     * required or an undocumented header, a header value or body outside its schema, an undocumented content type.
     */
    List<String> responseViolations(Request request, Response response) {
        List<String> violations = new ArrayList<>();
        Operation operation = operation(request.method(), request.target().split("\\?", 2)[0]);
        if (operation == null) {
            violations.add("no documented operation for " + request.method() + " " + request.target());
            return violations;
        }
        String status = Integer.toString(response.status());
        String documentedStatus = operation.pointer() + "/responses/" + status;
        if (document.at(documentedStatus).isMissingNode()) {
            violations.add(operation.key() + " does not document status " + status);
            return violations;
        }
        seen.add(operation.key() + " " + status);
        String responsePointer = resolve(documentedStatus);
        JsonNode documented = document.at(responsePointer);

        Map<String, String> documentedHeaders = new HashMap<>();
        documented.path("headers").propertyNames().forEach(
                name -> documentedHeaders.put(name.toLowerCase(Locale.ROOT),
                                              responsePointer + "/headers/" + escape(name)));
        response.headers().forEach((name, values) -> {
            if (!FRAMING_HEADERS.contains(name) && !documentedHeaders.containsKey(name)) {
                violations.add("undocumented response header " + name + ": " + values);
            }
        });
        documentedHeaders.forEach((name, pointer) -> {
            String header = resolve(pointer);
            List<String> values = response.headers().getOrDefault(name, List.of());
            if (values.isEmpty()) {
                if (document.at(header + "/required").asBoolean(false)) {
                    violations.add("required response header " + name + " is missing");
                }
            } else if (values.size() > 1) {
                violations.add("response header " + name + " is sent " + values.size() + " times");
            } else {
                check(violations, "response header " + name, header + "/schema", values.getFirst());
            }
        });

        JsonNode content = documented.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (response.body().length > 0) {
                violations.add("a body is sent, but status " + status + " documents none");
            }
            return violations;
        }
        String mediaType = response.contentType();
        if (!content.has(mediaType)) {
            violations.add("content type '" + mediaType + "' is not documented for status " + status + " (documented: "
                           + content.propertyNames() + ")");
            return violations;
        }
        checkJson(violations, "response body", responsePointer + "/content/" + escape(mediaType) + "/schema",
                  response.body());
        return violations;
    }

    // ---------------------------------------------------------------------------------------------------------

    private Operation operation(String method, String rawPath) {
        return operations.stream()
                         .filter(o -> o.method().equalsIgnoreCase(method) && o.path().matcher(rawPath).matches())
                         .findFirst()
                         .orElse(null);
    }

    private static List<Operation> operations(JsonNode document) {
        List<Operation> operations = new ArrayList<>();
        for (String template : document.path("paths").propertyNames()) {
            List<String> variables = new ArrayList<>();
            Matcher variable = TEMPLATE_VARIABLE.matcher(template);
            StringBuilder regex = new StringBuilder();
            int end = 0;
            while (variable.find()) {
                regex.append(Pattern.quote(template.substring(end, variable.start())));
                // A path parameter's value may hold a raw '/' (ProductId): anything up to the template's next part.
                regex.append("(.+)");
                variables.add(variable.group(1));
                end = variable.end();
            }
            regex.append(Pattern.quote(template.substring(end)));
            for (String method : document.path("paths").path(template).propertyNames()) {
                if (METHODS.contains(method)) {
                    operations.add(new Operation(method, template, Pattern.compile(regex.toString()),
                                                 List.copyOf(variables),
                                                 "/paths/" + escape(template) + "/" + method));
                }
            }
        }
        return List.copyOf(operations);
    }

    /** The pointer itself, or where the {@code $ref} at it leads (followed until a node without one). */
    private String resolve(String pointer) {
        String resolved = pointer;
        for (JsonNode node = document.at(resolved); node.has("$ref"); node = document.at(resolved)) {
            String ref = node.get("$ref").asString();
            if (!ref.startsWith("#/")) {
                throw new IllegalStateException("only local references are supported: " + ref);
            }
            resolved = ref.substring(1);
        }
        return resolved;
    }

    /** Checks a text value (a parameter or header) against its schema, as a number where the schema wants one. */
    private void check(List<String> violations, String what, String schemaPointer, String value) {
        String type = document.at(resolve(schemaPointer) + "/type").asString("");
        JsonNode instance = type.equals("integer") && INTEGER.matcher(value).matches()
                            ? JsonNodeFactory.instance.numberNode(new BigInteger(value))
                            : JsonNodeFactory.instance.stringNode(value);
        validate(violations, what + " '" + value + "'", schemaPointer, instance);
    }

    private void checkJson(List<String> violations, String what, String schemaPointer, byte[] body) {
        JsonNode instance;
        try {
            instance = JSON.readTree(body);
        } catch (JacksonException e) {
            violations.add(what + " is not valid JSON: " + e.getOriginalMessage());
            return;
        }
        validate(violations, what, schemaPointer, instance);
    }

    private void validate(List<String> violations, String what, String schemaPointer, JsonNode instance) {
        Schema schema = schemasByPointer.computeIfAbsent(
                schemaPointer, pointer -> schemas.getSchema(SchemaLocation.of(LOCATION + "#" + pointer)));
        for (Error error : schema.validate(instance)) {
            violations.add(what + ": " + error);
        }
    }

    private static Map<String, List<String>> query(String target, List<String> violations) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        int mark = target.indexOf('?');
        if (mark < 0 || mark == target.length() - 1) {
            return query;
        }
        for (String pair : target.substring(mark + 1).split("&", -1)) {
            int equals = pair.indexOf('=');
            if (equals < 0) {
                violations.add("query parameter '" + pair + "' has no '='");
                continue;
            }
            String name = percentDecode(pair.substring(0, equals));
            String value = percentDecode(pair.substring(equals + 1));
            if (name == null || value == null) {
                violations.add("query parameter '" + pair + "' is not percent-encoded UTF-8");
                continue;
            }
            query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return query;
    }

    /** Strict percent-decoding as UTF-8 ({@code +} stays a plus); {@code null} if malformed. */
    private static String percentDecode(String encoded) {
        byte[] text = encoded.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(text.length);
        for (int i = 0; i < text.length; i++) {
            if (text[i] != '%') {
                bytes.put(text[i]);
                continue;
            }
            if (i + 2 >= text.length) {
                return null;
            }
            int high = Character.digit(text[i + 1], 16);
            int low = Character.digit(text[i + 2], 16);
            if (high < 0 || low < 0) {
                return null;
            }
            bytes.put((byte) (high << 4 | low));
            i += 2;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                                         .onMalformedInput(CodingErrorAction.REPORT)
                                         .onUnmappableCharacter(CodingErrorAction.REPORT)
                                         .decode(bytes.flip())
                                         .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** A name as a JSON pointer token (RFC 6901). */
    private static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }
}
