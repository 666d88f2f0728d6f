package com.repricer.admin;

import com.repricer.api.Problem;
import com.repricer.storage.results.ResultsDirectory;
import com.repricer.storage.results.ResultsFileName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /debug/results[?since=<file name>]}: a tar stream of the complete results files, so results can
 * leave a distroless container that has no {@code tar} (which {@code kubectl cp} needs). Files in
 * {@code results/} never change once there, so each is streamed as it is; entries are named by file name alone.
 */
final class ResultsExportService implements HttpService {

    static final String TAR = "application/x-tar";

    private final ResultsDirectory results;

    ResultsExportService(ResultsDirectory results) {
        this.results = results;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::export)
             .any("/", (request, response) -> {
                 response.header(HeaderNames.ALLOW, "GET");
                 problem(response, Status.METHOD_NOT_ALLOWED_405, "this resource allows GET");
             });
    }

    private void export(ServerRequest request, ServerResponse response) throws IOException {
        List<String> unknown = request.query().names().stream().filter(name -> !name.equals("since")).toList();
        List<String> since = request.query().all("since", List::of);
        if (!unknown.isEmpty() || since.size() > 1
            || since.size() == 1 && ResultsFileName.parse(since.getFirst()).isEmpty()) {
            problem(response, Status.BAD_REQUEST_400, "expected at most one parameter since=<results file name>");
            return;
        }
        List<Path> files = selected(since.stream().findFirst());
        response.header(HeaderNames.CONTENT_TYPE, TAR);
        response.header("X-Results-Files", Integer.toString(files.size()));
        try (OutputStream body = response.outputStream();
             TarArchiveOutputStream tar = new TarArchiveOutputStream(body)) {
            for (Path file : files) {
                TarArchiveEntry entry = new TarArchiveEntry(file, file.getFileName().toString());
                entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE);
                tar.putArchiveEntry(entry);
                Files.copy(file, tar);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
    }

    private static void problem(ServerResponse response, Status status, String detail) {
        Problem.of(status, detail).send(response);
    }

    /** The files strictly after {@code since} in name order (= sequence order). */
    private List<Path> selected(Optional<String> since) throws IOException {
        return results.list().stream()
                      .filter(name -> since.isEmpty() || name.toString().compareTo(since.get()) > 0)
                      .map(results::pathOf)
                      .toList();
    }
}
