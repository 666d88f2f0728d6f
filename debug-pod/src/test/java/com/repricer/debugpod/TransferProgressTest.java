package com.repricer.debugpod;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class TransferProgressTest {

    private final AtomicLong nanos = new AtomicLong();
    private final StringWriter text = new StringWriter();

    @Test
    void lineShowsFilesBytesAndRate() {
        assertThat(TransferProgress.line(12, OptionalInt.of(40), 3 * 1024 * 1024, TimeUnit.SECONDS.toNanos(2)),
                   is("12/40 files, 3.0 MiB, 1.5 MiB/s"));
        assertThat(TransferProgress.line(0, OptionalInt.empty(), 0, 0), is("0 files, 0 B, -"));
        assertThat(TransferProgress.size(1536), is("1.5 KiB"));
        assertThat(TransferProgress.size(1023), is("1023 B"));
    }

    @Test
    void plainOutputPrintsALinePerSecondAndAtTheEnd() {
        TransferProgress progress = new TransferProgress(new PrintWriter(text), false, nanos::get);
        progress.start(OptionalInt.of(3));
        progress.bytes(1024);
        progress.fileDone();
        advance(1100);
        progress.bytes(1024);
        progress.fileDone();
        advance(100);
        progress.fileDone();
        progress.finish();
        assertThat(text.toString().lines().toList(), is(List.of(
                "1/3 files, 2.0 KiB, 1.8 KiB/s",
                "3/3 files, 2.0 KiB, 1.7 KiB/s")));
    }

    @Test
    void terminalOutputRedrawsOneLine() {
        TransferProgress progress = new TransferProgress(new PrintWriter(text), true, nanos::get);
        progress.start(OptionalInt.empty());
        advance(200);
        progress.fileDone();
        advance(50);
        progress.fileDone();
        advance(100);
        progress.fileDone();
        progress.finish();
        assertThat(text.toString(), is("\r1 files, 0 B, 0 B/s\r3 files, 0 B, 0 B/s\r3 files, 0 B, 0 B/s"
                                       + System.lineSeparator()));
    }

    private void advance(long millis) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
