package com.repricer.api;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Settings and helpers shared by the fuzz tests. Every iteration draws from its own {@link Random}, derived from
 * the seed and the iteration number, so a failure names its seed and iteration and replays alone.
 *
 * <p>System properties: {@code fuzz.seed} (default {@value #DEFAULT_SEED}), {@code fuzz.iterations} (default
 * {@value #DEFAULT_ITERATIONS}; the {@code reliability} Maven profile runs 100 000), {@code fuzz.http-samples}
 * (default {@value #DEFAULT_HTTP_SAMPLES}, the bodies that also go through the real server).
 */
final class Fuzz {

    static final long DEFAULT_SEED = 20261127L;
    static final int DEFAULT_ITERATIONS = 5000;
    static final int DEFAULT_HTTP_SAMPLES = 200;

    static final long SEED = Long.getLong("fuzz.seed", DEFAULT_SEED);
    static final int ITERATIONS = Integer.getInteger("fuzz.iterations", DEFAULT_ITERATIONS);
    static final int HTTP_SAMPLES = Integer.getInteger("fuzz.http-samples", DEFAULT_HTTP_SAMPLES);

    /** Longer than any input may take to be parsed; the parsers turn away even 60 000 digits in milliseconds. */
    static final long MAX_NANOS_PER_INPUT = 1_000_000_000L;

    private static final int MAX_ESCAPED_CHARS = 4000;

    private Fuzz() {
    }

    /**
     * Fails unless {@code parse} runs within {@link #MAX_NANOS_PER_INPUT}, given that its first run took
     * {@code firstNanos}. A slow first run is timed again, twice at most: a GC pause or a busy build machine slows
     * one run, a pathological input every run.
     */
    static void assertFast(long firstNanos, Runnable parse, String context) {
        long best = firstNanos;
        for (int retry = 0; retry < 2 && best >= MAX_NANOS_PER_INPUT; retry++) {
            long started = System.nanoTime();
            parse.run();
            best = Math.min(best, System.nanoTime() - started);
        }
        if (best >= MAX_NANOS_PER_INPUT) {
            throw new AssertionError(context + ": took " + best / 1_000_000 + " ms at best, over the bound of "
                                     + MAX_NANOS_PER_INPUT / 1_000_000 + " ms");
        }
    }

    /** The random source of one iteration of one test ({@code stream} keeps tests sharing a seed apart). */
    static Random random(long seed, int stream, int iteration) {
        // SplitMix64's finaliser: neighbouring iterations get unrelated seeds.
        long z = seed + 0x9E3779B97F4A7C15L * (((long) stream << 32) + iteration + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }

    /** What a failure message says to replay it. */
    static String context(long seed, int iteration, String input) {
        return "fuzz seed " + seed + " (-Dfuzz.seed=" + seed + "), iteration " + iteration + ", input \"" + input
               + "\"";
    }

    /** Bytes as a Java-style literal: printable ASCII as is, {@code \\n}, {@code \\xHH} for everything else. */
    static String escape(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (text.length() > MAX_ESCAPED_CHARS) {
                return text + "…(" + bytes.length + " bytes in all)";
            }
            switch (c) {
                case '\\' -> text.append("\\\\");
                case '"' -> text.append("\\\"");
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                default -> text.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c)
                                                              : String.format("\\x%02X", c));
            }
        }
        return text.toString();
    }

    /** A string as a Java literal: printable ASCII as is, {@code \\uXXXX} for every other UTF-16 unit. */
    static String escape(String string) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < string.length() && text.length() <= MAX_ESCAPED_CHARS; i++) {
            char c = string.charAt(i);
            if (c == '\\' || c == '"') {
                text.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7F) {
                text.append(c);
            } else {
                text.append(String.format("\\u%04X", (int) c));
            }
        }
        return text.length() > MAX_ESCAPED_CHARS ? text + "…(" + string.length() + " chars in all)" : text.toString();
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
