package com.repricer.storage.results;

import com.repricer.storage.Timestamps;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ResultsFileNameTest {

    private static long nanos(String instant) {
        return Timestamps.epochNanos(Instant.parse(instant));
    }

    @Test
    void namesTheFirstSequenceTheFirstTimestampInUtcAndTheCount() {
        ResultsFileName name = new ResultsFileName(1, nanos("2026-11-27T17:13:07.123456789Z"), 10);

        assertThat(name.toString(), is("0000000000000000001_20261127T171307.123456789Z_10.json"));
        assertThat(name.lastSequence(), is(10L));
    }

    @Test
    void keepsAllNineFractionDigitsAndTheFullSequenceWidth() {
        ResultsFileName name = new ResultsFileName(Long.MAX_VALUE - 1, nanos("2026-01-02T03:04:05Z"), 1);

        assertThat(name.toString(), is("9223372036854775806_20260102T030405.000000000Z_1.json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "0000000000000000001_20261127T171307.123456789Z_10.json",
            "0000000000000012345_19700101T000000.000000001Z_1.json",
            "9223372036854775807_22620411T234716.854775807Z_999999999.json"})
    void parsesWhatItWrites(String fileName) {
        ResultsFileName parsed = ResultsFileName.parse(fileName).orElseThrow();

        assertThat(parsed.toString(), is(fileName));
    }

    @Test
    void roundTripsRandomNames() {
        Random random = new Random(42);
        for (int i = 0; i < 1_000; i++) {
            ResultsFileName name = new ResultsFileName(1 + (random.nextLong() >>> 1) % (Long.MAX_VALUE - 1),
                                                       random.nextLong(0, nanos("2262-01-01T00:00:00Z")),
                                                       1 + random.nextInt(999_999_999));

            assertThat(ResultsFileName.parse(name.toString()), is(Optional.of(name)));
        }
    }

    @Test
    void lexicographicOrderIsSequenceOrder() {
        // consecutive files, crossing digit-count boundaries in sequence and record count
        List<ResultsFileName> inSequenceOrder = new ArrayList<>();
        long sequence = 1;
        long timestamp = nanos("2026-11-27T17:13:07.999999990Z");
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            int count = 1 + random.nextInt(i % 3 == 0 ? 10 : 1_000);
            inSequenceOrder.add(new ResultsFileName(sequence, timestamp, count));
            sequence += count;
            timestamp += 1 + random.nextLong(3_000_000_000L);
        }
        List<String> names = inSequenceOrder.stream().map(ResultsFileName::toString).toList();
        List<String> shuffled = new ArrayList<>(names);
        java.util.Collections.shuffle(shuffled, random);

        assertThat(shuffled.stream().sorted().toList(), equalTo(names));
        assertThat(shuffled.stream().sorted(Comparator.naturalOrder())
                           .map(n -> ResultsFileName.parse(n).orElseThrow().firstSequence()).toList(),
                   equalTo(inSequenceOrder.stream().map(ResultsFileName::firstSequence).toList()));
    }

    @Test
    void sequence9SortsBefore10And99Before100() {
        long t = nanos("2026-11-27T17:13:07Z");
        List<String> names = List.of(new ResultsFileName(9, t, 1).toString(),
                                     new ResultsFileName(10, t + 1, 90).toString(),
                                     new ResultsFileName(100, t + 2, 5).toString());

        assertThat(names.stream().sorted().toList(), equalTo(names));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "0000000000000000001_20261127T171307.123456789Z_10.json.tmp",
            "0000000000000000001_20261127T171307.123456789Z_10.JSON",
            "000000000000000001_20261127T171307.123456789Z_10.json",      // 18-digit sequence
            "0000000000000000000_20261127T171307.123456789Z_10.json",     // sequence 0
            "9999999999999999999_20261127T171307.123456789Z_10.json",     // beyond a long
            "0000000000000000001_20261127T171307.123456789Z_0.json",      // empty file
            "0000000000000000001_20261127T171307.123456789Z_010.json",
            "0000000000000000001_20261127T171307.123456789Z_-1.json",
            "0000000000000000001_20261127T171307.123456Z_10.json",        // 6 fraction digits
            "0000000000000000001_20261127T171307.123456789_10.json",      // no Z
            "0000000000000000001_2026-11-27T17:13:07.123456789Z_10.json", // extended format
            "0000000000000000001_20261327T171307.123456789Z_10.json",     // month 13
            "0000000000000000001_20261127T251307.123456789Z_10.json",     // hour 25
            "0000000000000000001_20261127T171307.123456789Z.json",
            "repricer.lock",
            ".0000000000000000001_20261127T171307.123456789Z_10.json"})
    void rejectsAnythingElse(String fileName) {
        assertThat(ResultsFileName.parse(fileName), is(Optional.empty()));
    }

    @Test
    void refusesSequenceOrCountBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new ResultsFileName(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new ResultsFileName(1, 0, 0));
    }
}
