package com.repricer.debugpod;

import com.repricer.kube.KubeNames;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Streams the service's results export ({@code GET /debug/results[?since=<file name>]} on the export port, a tar of
 * the complete files in {@code results/}) into a local folder. It knows nothing of Kubernetes: it takes the export
 * port's base URI, which a port-forward or a local service provides alike.
 *
 * <p>Each entry is written beside its final name ({@code <name>.part}) and renamed when complete, so the folder
 * never holds a partial file. An entry whose name is not a results file name (a path, {@code ..}, a directory) is
 * refused. A stream cut short (a broken connection, a truncated archive, fewer files than the
 * {@value #FILES_HEADER} header announced) is an {@link ExportException}, never a silent partial success.
 */
public record ResultsDownload(HttpClient http, TransferProgress progress) {

    static final String FILES_HEADER = "X-Results-Files";
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final int BUFFER = 64 * 1024;

    /** The files copied and their content bytes. */
    public record Result(List<String> files, long bytes) {
    }

    /**
     * Downloads the export into {@code resultsDirectory} (created if needed), replacing files of the same name.
     *
     * @param exportBase the export port, e.g. {@code http://127.0.0.1:9103/}
     * @param since     only the files strictly after this file name
     * @throws ExportException if the service refused the request or the export was cut short or malformed
     */
    public Result download(URI exportBase, Optional<String> since, Path resultsDirectory)
            throws IOException, InterruptedException {
        Files.createDirectories(resultsDirectory);
        HttpRequest request = HttpRequest.newBuilder(exportUri(exportBase, since)).GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new ExportException("the service answered " + response.statusCode() + " to " + request.uri()
                                          + ": " + new String(body.readNBytes(2048), StandardCharsets.UTF_8));
            }
            OptionalInt announced = response.headers().firstValue(FILES_HEADER)
                                            .map(ResultsDownload::parseCount)
                                            .orElse(OptionalInt.empty());
            progress.start(announced);
            Result result = untar(body, resultsDirectory);
            progress.finish();
            if (announced.isPresent() && announced.getAsInt() != result.files().size()) {
                throw new ExportException("the export is incomplete: the service announced " + announced.getAsInt()
                                          + " files, the archive held " + result.files().size());
            }
            return result;
        }
    }

    static URI exportUri(URI exportBase, Optional<String> since) {
        String base = exportBase.toString().replaceAll("/+$", "");
        return URI.create(base + KubeNames.RESULTS_EXPORT_PATH
                          + since.map(s -> "?since=" + URLEncoder.encode(s, StandardCharsets.UTF_8)).orElse(""));
    }

    private Result untar(InputStream body, Path directory) throws IOException {
        List<String> files = new ArrayList<>();
        long total = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new Counting(body))) {
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar, files)) != null) {
                String name = entry.getName();
                if (!entry.isFile() || ResultsFileName.parse(name).isEmpty()) {
                    throw new ExportException("the export holds an unexpected entry " + name
                                              + " (only results file names are accepted)");
                }
                Path part = directory.resolve(name + ".part");
                long copied;
                try (OutputStream out = Files.newOutputStream(part)) {
                    copied = tar.transferTo(out);
                } catch (IOException e) {
                    Files.deleteIfExists(part);
                    throw new ExportException("the export was cut short in " + name + " after " + files.size()
                                              + " complete files: " + e.getMessage(), e);
                }
                if (copied != entry.getSize()) {
                    Files.deleteIfExists(part);
                    throw new ExportException("the export was cut short in " + name + ": " + copied + " of "
                                              + entry.getSize() + " bytes");
                }
                Files.move(part, directory.resolve(name), StandardCopyOption.REPLACE_EXISTING,
                           StandardCopyOption.ATOMIC_MOVE);
                files.add(name);
                total += copied;
                progress.fileDone();
            }
        }
        return new Result(List.copyOf(files), total);
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, List<String> done) {
        try {
            return tar.getNextEntry();
        } catch (IOException e) {
            throw new ExportException("the export is not a valid tar stream after " + done.size() + " files: "
                                      + e.getMessage(), e);
        }
    }

    private static OptionalInt parseCount(String header) {
        try {
            return OptionalInt.of(Integer.parseInt(header.trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** Reports bytes to the progress as they arrive. */
    private final class Counting extends FilterInputStream {
        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                progress.bytes(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, Math.min(length, BUFFER));
            if (n > 0) {
                progress.bytes(n);
            }
            return n;
        }
    }

    /** The export was refused, cut short or malformed. */
    public static final class ExportException extends RuntimeException {
        ExportException(String message) {
            super(message);
        }

        ExportException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
