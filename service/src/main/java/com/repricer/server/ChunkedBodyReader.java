package com.repricer.server;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.webserver.ServerConnectionException;

import java.io.UncheckedIOException;

/**
 * The reader of an API connection: Helidon's, except for the lines of chunked bodies, where it accepts chunk
 * extensions and a trailer section (RFC 9112 §7.1.1, §7.1.2: both ignored) and checks the CRLF after each chunk's
 * data, which Helidon 4.5 skips unchecked.
 *
 * <p>Why here: Helidon 4.5's HTTP/1 connection decodes a chunked body in a private method
 * ({@code Http1Connection.readNextChunk}) that parses the whole chunk-size line as a number and requires an empty
 * line after the last chunk, and has no option or hook for either. It reads those lines, and only those, with
 * {@link DataReader#readLine()} (no other class of the web server calls it), and each chunk's data with
 * {@link #readBuffer(int)} right after its size line. So this reader reads a chunk-size line and hands Helidon
 * the size alone, and reads the trailer section and hands Helidon its empty end. HttpFramingTest pins the
 * behaviour: should a Helidon upgrade read these lines differently, it fails.
 *
 * <p>A chunk larger than a whole body may be is refused from its size line (413), before Helidon buffers it.
 *
 * <p>Cost: nothing for a request without a chunked body (neither method runs); a chunked body allocates what
 * Helidon's own line reading does, and one substring per line that carries extensions.
 */
final class ChunkedBodyReader extends DataReader {

    /** A chunk-size line, extensions included, longer than this is refused. */
    static final int MAX_SIZE_LINE_BYTES = 4096;

    private final int maxTrailerBytes;
    private final int maxChunkBytes;
    /** The last chunk was read: Helidon's next line read is the trailer section. */
    private boolean trailerNext;
    /** A chunk size above zero was read: Helidon's next buffer read is its data, which CRLF must follow. */
    private boolean chunkDataNext;

    /**
     * @param socket          the connection's socket (read as Helidon's own reader does)
     * @param maxTrailerBytes the most bytes a trailer section may take (Helidon's limit for the header section)
     * @param maxChunkBytes   the largest chunk accepted: the most bytes a body may have
     */
    ChunkedBodyReader(HelidonSocket socket, int maxTrailerBytes, int maxChunkBytes) {
        super(() -> {
            try {
                return socket.get();
            } catch (UncheckedIOException e) {
                // As Helidon maps it, so that a read timeout still ends the connection the same way.
                throw new ServerConnectionException("Failed to get data from socket", e);
            }
        });
        this.maxTrailerBytes = maxTrailerBytes;
        this.maxChunkBytes = maxChunkBytes;
    }

    @Override
    public String readLine() {
        if (trailerNext) {
            trailerNext = false;
            skipTrailerSection();
            return "";
        }
        String size = ChunkLines.size(line(MAX_SIZE_LINE_BYTES));
        if (ChunkLines.isLast(size)) {
            trailerNext = true;
        } else {
            ChunkLines.requireAtMost(size, maxChunkBytes);
            chunkDataNext = true;
        }
        return size;
    }

    @Override
    public BufferData readBuffer(int length) {
        BufferData data = super.readBuffer(length);
        if (chunkDataNext) {
            chunkDataNext = false;
            while (available() < 2) {
                pullData();
            }
            if (!startsWithNewLine()) {
                throw ChunkLines.malformed("a chunk's data must be followed by CRLF");
            }
        }
        return data;
    }

    /** Reads trailer field lines up to the empty line that ends the section, and drops them. */
    private void skipTrailerSection() {
        int budget = maxTrailerBytes;
        for (String field = line(budget); !field.isEmpty(); field = line(budget)) {
            ChunkLines.requireField(field);
            budget -= field.length() + 2;
        }
    }

    /** The next line, without its CRLF; one longer than {@code max} bytes or ended otherwise is refused. */
    private String line(int max) {
        int length;
        try {
            length = findNewLine(max);
        } catch (IncorrectNewLineException e) {
            throw ChunkLines.malformed("a line must end with CRLF");
        }
        if (length >= max) {
            throw ChunkLines.malformed("a line of a chunked body is longer than " + max + " bytes");
        }
        String line = readAsciiString(length);
        skip(2);
        return line;
    }
}
