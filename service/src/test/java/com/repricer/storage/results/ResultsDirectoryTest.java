package com.repricer.storage.results;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static com.repricer.storage.StorageFixtures.BASE_NANOS;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Listing {@code results/}: what a start reads, and what the index snapshot is checked against. */
class ResultsDirectoryTest {

    @TempDir
    Path dataDirectory;

    private Path results() throws Exception {
        return Files.createDirectories(dataDirectory.resolve("results"));
    }

    @Test
    void listsResultsFilesInSequenceOrderAndSkipsAnythingElse() throws Exception {
        List<ResultsFileName> names = new ArrayList<>();
        long sequence = 1;
        Random random = new Random(3);
        for (int i = 0; i < 500; i++) {
            int count = 1 + random.nextInt(10);
            names.add(new ResultsFileName(sequence, BASE_NANOS + i * 1_000_000L, count));
            sequence += count;
        }
        List<ResultsFileName> shuffled = new ArrayList<>(names);
        Collections.shuffle(shuffled, random);
        for (ResultsFileName name : shuffled) {
            Files.createFile(results().resolve(name.toString()));
        }
        Files.createFile(results().resolve("notes.txt"));

        assertThat(ResultsDirectory.reader(dataDirectory).list(), equalTo(names));
    }

    @Test
    void keepsTwoFilesThatStartAtTheSameSequence() throws Exception {
        ResultsFileName first = new ResultsFileName(1, BASE_NANOS, 10);
        ResultsFileName longer = new ResultsFileName(11, BASE_NANOS + 10, 10);
        ResultsFileName shorter = new ResultsFileName(11, BASE_NANOS + 10, 5);
        ResultsFileName last = new ResultsFileName(21, BASE_NANOS + 20, 1);
        for (ResultsFileName name : List.of(last, longer, first, shorter)) {
            Files.createFile(results().resolve(name.toString()));
        }

        List<ResultsFileName> listed = ResultsDirectory.reader(dataDirectory).list();

        assertThat(listed.size(), equalTo(4));
        assertThat(listed.getFirst(), equalTo(first));
        assertThat(listed.getLast(), equalTo(last));
        assertThat(listed.subList(1, 3).stream().map(ResultsFileName::firstSequence).toList(),
                   equalTo(List.of(11L, 11L)));
    }

    @Test
    void sortsSequencesTooLargeToPackToo() throws Exception {
        ResultsFileName small = new ResultsFileName(7, BASE_NANOS, 3);
        ResultsFileName huge = new ResultsFileName(Long.MAX_VALUE - 10, BASE_NANOS + 1, 5);
        ResultsFileName larger = new ResultsFileName(Long.MAX_VALUE - 5, BASE_NANOS + 2, 5);
        for (ResultsFileName name : List.of(larger, small, huge)) {
            Files.createFile(results().resolve(name.toString()));
        }

        assertThat(ResultsDirectory.reader(dataDirectory).list(), equalTo(List.of(small, huge, larger)));
    }
}
