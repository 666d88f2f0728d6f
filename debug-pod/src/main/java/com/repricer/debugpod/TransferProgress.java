package com.repricer.debugpod;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Progress of a download: files, bytes and rate. On a terminal one status line is redrawn in place (at most
 * {@link #TERMINAL_REFRESH_NANOS} apart); elsewhere (a pipe, a CI log) a plain line is printed at most once per
 * {@link #LINE_INTERVAL_NANOS}, and a last line at the end either way.
 */
public final class TransferProgress {

    static final long TERMINAL_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long LINE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final PrintWriter out;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private long started;
    private long lastShown;
    private OptionalInt expectedFiles = OptionalInt.empty();
    private int files;
    private long bytes;
    private int shownWidth;

    public TransferProgress(PrintWriter out, boolean terminal, LongSupplier nanoTime) {
        this.out = out;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
    }

    public void start(OptionalInt expectedFiles) {
        this.expectedFiles = expectedFiles;
        started = nanoTime.getAsLong();
        lastShown = started;
    }

    public void bytes(long count) {
        bytes += count;
        maybeShow();
    }

    public void fileDone() {
        files++;
        maybeShow();
    }

    public void finish() {
        show();
        if (terminal) {
            out.println();
        }
        out.flush();
    }

    private void maybeShow() {
        long now = nanoTime.getAsLong();
        if (now - lastShown >= (terminal ? TERMINAL_REFRESH_NANOS : LINE_INTERVAL_NANOS)) {
            show();
        }
    }

    private void show() {
        lastShown = nanoTime.getAsLong();
        String line = line(files, expectedFiles, bytes, lastShown - started);
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, shownWidth - line.length())));
            shownWidth = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** {@code 12/40 files, 1.3 MiB, 2.1 MiB/s}. */
    static String line(int files, OptionalInt expected, long bytes, long elapsedNanos) {
        String count = expected.isPresent() ? files + "/" + expected.getAsInt() : Integer.toString(files);
        double seconds = elapsedNanos / 1e9;
        String rate = seconds <= 0 ? "-" : size((long) (bytes / seconds)) + "/s";
        return count + " files, " + size(bytes) + ", " + rate;
    }

    /** {@code 512 B}, {@code 1.5 KiB}, {@code 3.0 MiB}, {@code 1.2 GiB}. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
