package com.repricer.server;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The optional ports file ({@code repricer.ports-file}): the ports the service listens on, one
 * {@code socket=port} line each ({@code api=…}, {@code admin=…}, {@code export=…}; {@link java.util.Properties}
 * syntax), written once all sockets are bound. For tests and tools that start the service on port 0 and must learn
 * where it listens without parsing the log. Written to a temporary file beside it and renamed, so a reader never
 * sees half of it.
 */
public final class PortsFile {

    private PortsFile() {
    }

    /** Writes {@code ports} (socket name → port) to {@code file}, replacing what was there. */
    public static void write(Path file, Map<String, Integer> ports) {
        Properties properties = new Properties();
        new TreeMap<>(ports).forEach((socket, port) -> properties.setProperty(socket, Integer.toString(port)));
        StringWriter text = new StringWriter();
        try {
            properties.store(text, "ports of the running Repricer service");
            Path absolute = file.toAbsolutePath();
            Path temporary = Files.createTempFile(absolute.getParent(), absolute.getFileName() + ".", ".tmp");
            try {
                Files.writeString(temporary, text.toString(), StandardCharsets.ISO_8859_1);
                move(temporary, absolute);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ports file " + file, e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // Same directory, so only an exotic file system lands here; a plain replace is the best it offers.
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
