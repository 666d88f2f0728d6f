package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;
import com.repricer.storage.results.ResultsFileName;
import jakarta.json.Json;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/** What the tests of the archive read back over HTTP: the results export's files, and JSON bodies. */
final class ResultsExport {

    private ResultsExport() {
    }

    /** The files of {@code GET /debug/results…} (200 expected), in the order of the tar stream. */
    static Map<ResultsFileName, byte[]> files(RunningService service, String pathAndQuery) throws IOException {
        Response response = service.exportGet(pathAndQuery);
        assertThat(response.toString(), response.status(), is(200));
        Map<ResultsFileName, byte[]> files = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(response.body()))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                files.put(ResultsFileName.parse(entry.getName()).orElseThrow(), in.readAllBytes());
            }
        }
        return files;
    }

    static JsonValue json(byte[] body) {
        try (JsonReader reader = Json.createReader(new StringReader(new String(body, StandardCharsets.UTF_8)))) {
            return reader.readValue();
        }
    }
}
