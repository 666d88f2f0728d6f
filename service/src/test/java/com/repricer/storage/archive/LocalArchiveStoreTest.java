package com.repricer.storage.archive;

import com.repricer.storage.fs.StorageFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The local store on a real directory: what a store leaves, what a failed or interrupted one leaves, deletion. */
class LocalArchiveStoreTest {

    @TempDir
    Path temp;
    private ResultsFixtures.Written first;
    private ResultsFixtures.Written second;
    private ArchiveSegmentWriter.Written firstSegment;
    private ArchiveSegmentWriter.Written secondSegment;

    @BeforeEach
    void writeTwoSegments() throws IOException {
        first = ResultsFixtures.write(temp.resolve("results-1"), 1, 2_000, 300, 200, 1);
        second = ResultsFixtures.write(temp.resolve("results-2"), 2_001, 1_000, 300, 200, 2);
        firstSegment = new ArchiveSegmentWriter().write(first.files(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));
        secondSegment = new ArchiveSegmentWriter().write(second.files(), temp.resolve("2.tar.gz"), temp.resolve("2.idx"));
    }

    @Test
    void storedSegmentsAreListedInOrderAndReadBack() throws IOException {
        Path directory = temp.resolve("archive");
        try (LocalArchiveStore store = LocalArchiveStore.open(directory, StorageFiles.DEFAULT)) {
            store.store(secondSegment.name(), temp.resolve("2.tar.gz"), temp.resolve("2.idx"));
            store.store(firstSegment.name(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));

            assertThat(store.list(), equalTo(List.of(firstSegment.name(), secondSegment.name())));
            assertThat(names(directory), equalTo(Set.of(firstSegment.name().dataName(), firstSegment.name().indexName(),
                                                        secondSegment.name().dataName(), secondSegment.name().indexName())));
            assertArrayEquals(Files.readAllBytes(temp.resolve("1.tar.gz")),
                              Files.readAllBytes(directory.resolve(firstSegment.name().dataName())));
            try (ArchiveSegmentReader reader = store.open(secondSegment.name(), new DecodedFileCache(16))) {
                reader.verify();
                assertArrayEquals(Files.readAllBytes(second.files().get(5)), reader.fileBytes(5));
                assertThat(reader.record(2_500), equalTo(second.records().get(499)));
            }
            // the staged files are the caller's: left in place
            assertThat(Files.exists(temp.resolve("1.tar.gz")), is(true));

            store.delete(firstSegment.name());
            assertThat(store.list(), equalTo(List.of(secondSegment.name())));
            assertThat(names(directory), equalTo(Set.of(secondSegment.name().dataName(), secondSegment.name().indexName())));
            assertThrows(NoSuchFileException.class, () -> store.openData(firstSegment.name()));
        }
    }

    @Test
    void aFailedRenameOfTheDataLeavesNoListedSegmentAndTheRetryStoresIt() throws IOException {
        Path directory = temp.resolve("archive");
        FailingRenames files = new FailingRenames();
        files.failing = ".tar.gz";
        try (LocalArchiveStore store = LocalArchiveStore.open(directory, files)) {
            IOException failure = assertThrows(IOException.class,
                    () -> store.store(firstSegment.name(), temp.resolve("1.tar.gz"), temp.resolve("1.idx")));
            assertThat(failure.getMessage(), containsString("injected"));
            assertThat(store.list(), is(empty()));
            assertThat("no temporary file is left", names(directory), equalTo(Set.of(firstSegment.name().indexName())));

            files.failing = null;
            store.store(firstSegment.name(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));
            assertThat(store.list(), equalTo(List.of(firstSegment.name())));
            try (ArchiveSegmentReader reader = store.open(firstSegment.name(), new DecodedFileCache(16))) {
                reader.verify();
            }
        }
    }

    @Test
    void reopeningRemovesWhatAnInterruptedStoreLeft() throws IOException {
        Path directory = temp.resolve("archive");
        FailingRenames files = new FailingRenames();
        try (LocalArchiveStore store = LocalArchiveStore.open(directory, files)) {
            store.store(firstSegment.name(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));
            files.failing = ".tar.gz";
            // interrupted after the index was renamed into place: an orphan index
            assertThrows(IOException.class, () -> store.store(secondSegment.name(), temp.resolve("2.tar.gz"), temp.resolve("2.idx")));
        }
        Files.writeString(directory.resolve("." + secondSegment.name().dataName() + ".tmp"), "half a copy");
        assertThat(names(directory).size(), is(4));

        try (LocalArchiveStore reopened = LocalArchiveStore.open(directory, StorageFiles.DEFAULT)) {
            assertThat(names(directory), equalTo(Set.of(firstSegment.name().dataName(), firstSegment.name().indexName())));
            assertThat(reopened.list(), equalTo(List.of(firstSegment.name())));
        }
    }

    private static Set<String> names(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    /** Fails every rename onto a name ending with {@code failing}, while that is set. */
    private static final class FailingRenames extends StorageFiles {

        private volatile String failing;

        @Override
        public void move(Path source, Path target, CopyOption... options) throws IOException {
            String suffix = failing;
            if (suffix != null && target.getFileName().toString().endsWith(suffix)) {
                throw new IOException("injected rename failure: " + target);
            }
            super.move(source, target, options);
        }
    }
}
