package com.repricer.http;

import com.repricer.RunningService;
import com.repricer.RunningService.Response;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One client connection over a plain socket, for what a client library would not send or would hide: bytes
 * exactly as written (no Host or Connection added), several requests on one connection, and whether the server
 * closed it.
 */
final class RawConnection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;

    RawConnection(int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress("localhost", port), 5_000);
            socket.setSoTimeout((int) RunningService.REQUEST_TIMEOUT.toMillis());
            in = socket.getInputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code request} as ISO-8859-1 bytes, exactly as given. */
    RawConnection send(String request) {
        return send(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawConnection send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** The next response, its body framed by its headers. */
    Response read() {
        return read(false);
    }

    /** The next response to a HEAD request: headers only, whatever Content-Length says. */
    Response readHead() {
        return read(true);
    }

    private Response read(boolean head) {
        try {
            if (!head) {
                return RunningService.readResponse(in);
            }
            String statusLine = line();
            if (statusLine == null) {
                throw new IOException("connection closed before a response");
            }
            Map<String, List<String>> headers = new TreeMap<>();
            for (String line = line(); line != null && !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                        n -> new ArrayList<>()).add(line.substring(colon + 1).trim());
            }
            return new Response(Integer.parseInt(statusLine.split(" ", 3)[1]), headers, new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Whether the server closed the connection within {@code wait} without sending anything more (end of stream or
     * a reset). Bytes that do arrive are an error: nothing more was expected.
     */
    boolean closedByServerWithin(Duration wait) {
        try {
            socket.setSoTimeout((int) wait.toMillis());
            int next = in.read();
            if (next != -1) {
                throw new AssertionError("unexpected bytes after the response, starting with " + (char) next);
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset: closed too
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a test socket: nothing to do
        }
    }
}
