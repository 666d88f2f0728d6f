package com.repricer.openapi;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

/**
 * The OpenAPI document itself: a valid OpenAPI 3.1 document (swagger-parser, the parser openapi-generator uses),
 * served by the running service on the admin port at {@code /openapi} — YAML by default, JSON when asked — with the
 * same content as the file in the repository, and not served on the API port.
 */
class OpenApiDocumentTest {

    @TempDir
    static Path dataDir;
    private static RunningService service;

    @BeforeAll
    static void start() throws IOException {
        service = RunningService.start(dataDir);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    @Test
    void theDocumentIsValidOpenApi31() throws IOException {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(resource(), null, options);

        assertThat(parsed.getMessages(), is(empty()));
        assertThat(parsed.getOpenAPI().getSpecVersion(), is(SpecVersion.V31));
        assertThat(parsed.getOpenAPI().getOpenapi(), is("3.1.0"));
    }

    @Test
    void theParserReportsABrokenDocument() throws IOException {
        // The check above can fail: a parameter in a place OpenAPI does not know, and a response without description.
        String broken = resource().replace("in: header", "in: body").replace("\n          description: The page.", "");
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(broken, null, new ParseOptions());

        assertThat(parsed.getMessages().toString(), parsed.getMessages().size(), is(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "application/vnd.oai.openapi", "application/yaml", "*/*"})
    void adminPortServesTheDocumentAsYaml(String accept) throws IOException {
        Response response = getOpenApi(accept);

        assertThat(response.toString(), response.status(), is(200));
        assertThat(YAMLMapper.builder().build().readTree(response.body()), is(theFile()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/vnd.oai.openapi+json"})
    void adminPortServesTheDocumentAsJsonWhenAsked(String accept) throws IOException {
        Response response = getOpenApi(accept);

        assertThat(response.toString(), response.status(), is(200));
        assertThat(response.contentType(), is(accept));
        assertThat(JsonMapper.builder().build().readTree(response.body()), is(theFile()));
    }

    @Test
    void apiPortDoesNotServeTheDocument() {
        Response response = service.get("/openapi");

        response.assertProblem(404);
    }

    private static Response getOpenApi(String accept) {
        HttpRequest.Builder request = HttpRequest.newBuilder(service.admin().resolve("/openapi")).GET();
        if (!accept.isEmpty()) {
            request.header("Accept", accept);
        }
        return RunningService.send(request);
    }

    /** The repository's file, read as plain YAML (numbers as doubles, as Helidon reads and writes them). */
    private static JsonNode theFile() throws IOException {
        return YAMLMapper.builder().build().readTree(resource());
    }

    private static String resource() throws IOException {
        try (InputStream in = OpenApiDocumentTest.class.getClassLoader().getResourceAsStream(OpenApiContract.RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
