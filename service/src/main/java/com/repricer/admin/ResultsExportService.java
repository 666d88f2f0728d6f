package com.repricer.admin;

import com.repricer.api.Problem;
import com.repricer.storage.DamagedResultsException;
import com.repricer.storage.Ledger;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /debug/results[?since=<file name>]}: a tar stream of the complete results files, so results can
 * leave a distroless container that has no {@code tar} (which {@code kubectl cp} needs). Files in
 * {@code results/} never change once there, so each is streamed as it is, also once it has moved into the archive
 * (docs/archive.md); entries are named by file name alone.
 *
 * <p>Which files: those in the ledger's own table of files, not a directory listing (which is not atomic against
 * the renames that add files, and returned file N+10 without N under load). So every export is a gap-free prefix
 * of the history, or with {@code since}, continues it without a gap; and {@code since} is a binary search, not a
 * listing of the whole folder.
 */
final class ResultsExportService implements HttpService {

    static final String TAR = "application/x-tar";

    private final Ledger ledger;

    ResultsExportService(Ledger ledger) {
        this.ledger = ledger;
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
        List<ResultsFileName> files = ledger.resultsFilesAfter(since.stream().findFirst()
                                                                    .flatMap(ResultsFileName::parse));
        try {
            ledger.checkReadable(files);
        } catch (DamagedResultsException e) {
            problem(response, Status.INTERNAL_SERVER_ERROR_500, e.getMessage());
            return;
        }
        response.header(HeaderNames.CONTENT_TYPE, TAR);
        response.header("X-Results-Files", Integer.toString(files.size()));
        try (OutputStream body = response.outputStream();
             TarArchiveOutputStream tar = new TarArchiveOutputStream(body)) {
            for (ResultsFileName name : files) {
                // Checked before its entry starts: a damaged file ends the export unfinished (no end-of-archive),
                // so that no reader takes it for a whole one.
                byte[] content = ledger.resultsFileBytes(name); // loose or archived, byte for byte
                TarArchiveEntry entry = new TarArchiveEntry(name.toString());
                entry.setSize(content.length);
                entry.setModTime(TimeUnit.NANOSECONDS.toMillis(name.firstTimestampNanos()));
                entry.setMode(TarArchiveEntry.DEFAULT_FILE_MODE);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
    }

    private static void problem(ServerResponse response, Status status, String detail) {
        Problem.of(status, detail).send(response);
    }
}
