package com.repricer.storage.archive;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobServiceClientBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Azure Blob store against Azurite, the real emulator, over HTTP: no mock of the SDK. */
class AzureBlobArchiveStoreTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @TempDir
    static Path temp;
    private static Azurite azurite;
    private static ResultsFixtures.Written first;
    private static ResultsFixtures.Written second;
    private static ArchiveSegmentWriter.Written firstSegment;
    private static ArchiveSegmentWriter.Written secondSegment;

    @BeforeAll
    static void startAzurite() throws Exception {
        azurite = Azurite.start(temp);
        first = ResultsFixtures.write(temp.resolve("results-1"), 1, 3_000, 500, 300, 3);
        second = ResultsFixtures.write(temp.resolve("results-2"), 3_001, 1_000, 500, 300, 4);
        firstSegment = new ArchiveSegmentWriter().write(first.files(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));
        secondSegment = new ArchiveSegmentWriter().write(second.files(), temp.resolve("2.tar.gz"), temp.resolve("2.idx"));
    }

    @AfterAll
    static void stopAzurite() throws InterruptedException {
        if (azurite != null) {
            azurite.close();
        }
    }

    /** A store on a container of its own, so that the tests do not see each other's blobs. */
    private static AzureBlobArchiveStore newStore() {
        return AzureBlobArchiveStore.connect(azurite.connectionString(), "archive-" + UUID.randomUUID(), TIMEOUT);
    }

    @Test
    void storedSegmentsAreListedAndReadWithRangedDownloads() throws IOException {
        try (AzureBlobArchiveStore store = newStore()) {
            assertThat(store.describe(), containsString("/" + Azurite.ACCOUNT + "/archive-"));
            store.store(secondSegment.name(), temp.resolve("2.tar.gz"), temp.resolve("2.idx"));
            store.store(firstSegment.name(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));
            assertThat(store.list(), equalTo(List.of(firstSegment.name(), secondSegment.name())));

            try (ByteSource data = store.openData(firstSegment.name())) {
                assertThat(data.size(), is(Files.size(temp.resolve("1.tar.gz"))));
                assertArrayEquals(Files.readAllBytes(temp.resolve("1.tar.gz")), data.read(0, (int) data.size()));
            }
            try (ArchiveSegmentReader reader = store.open(firstSegment.name(), new DecodedFileCache(16))) {
                reader.verify();
                int last = reader.index().fileCount() - 1;
                assertArrayEquals(Files.readAllBytes(first.files().get(last)), reader.fileBytes(last));
                assertThat(reader.record(1_234), equalTo(first.records().get(1_233)));
                String product = first.records().get(77).productId();
                assertThat(reader.productRecords(product),
                           equalTo(first.records().stream().filter(r -> r.productId().equals(product)).toList()));
            }

            store.delete(firstSegment.name());
            assertThat(store.list(), equalTo(List.of(secondSegment.name())));
            assertThrows(NoSuchFileException.class, () -> store.openIndex(firstSegment.name()));
        }
    }

    /**
     * History retention deletes a segment's data first, then its index: a deletion cut in between (a crash, an
     * outage) leaves an index alone, which is not listed as a segment; deleting again finishes it, missing data and
     * all.
     */
    @Test
    void aDeletionCutBetweenItsTwoPartsListsNoSegmentAndFinishesOnTheNextTry() throws IOException {
        String containerName = "archive-" + UUID.randomUUID();
        try (AzureBlobArchiveStore store = AzureBlobArchiveStore.connect(azurite.connectionString(), containerName,
                                                                         TIMEOUT)) {
            store.store(firstSegment.name(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));
            store.store(secondSegment.name(), temp.resolve("2.tar.gz"), temp.resolve("2.idx"));
            new BlobServiceClientBuilder().connectionString(azurite.connectionString())
                                          .httpClient(new JdkHttpClientBuilder().build()).buildClient()
                                          .getBlobContainerClient(containerName)
                                          .getBlobClient(firstSegment.name().dataName()).delete();

            assertThat(store.list(), equalTo(List.of(secondSegment.name())));
            store.delete(firstSegment.name());
            assertThrows(NoSuchFileException.class, () -> store.openIndex(firstSegment.name()));
            store.delete(firstSegment.name()); // nothing left: still fine
            assertThat(store.list(), equalTo(List.of(secondSegment.name())));
            try (ArchiveSegmentReader reader = store.open(secondSegment.name(), new DecodedFileCache(16))) {
                reader.verify();
            }
        }
    }

    @Test
    void anOutageFailsTheStoreAndARetryAfterTheRestartSucceeds() throws Exception {
        try (AzureBlobArchiveStore store = newStore()) {
            store.store(firstSegment.name(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));

            azurite.stop();
            try {
                IOException failed = assertThrows(IOException.class,
                        () -> store.store(secondSegment.name(), temp.resolve("2.tar.gz"), temp.resolve("2.idx")));
                assertThat(failed.getMessage(), containsString("could not upload " + secondSegment.name().indexName()));
                IOException listing = assertThrows(IOException.class, store::list);
                assertThat(listing.getMessage(), containsString("could not list the blobs"));
            } finally {
                azurite.start();
            }

            assertThat("stored before the outage, still there", store.list(), equalTo(List.of(firstSegment.name())));
            store.store(secondSegment.name(), temp.resolve("2.tar.gz"), temp.resolve("2.idx"));
            assertThat(store.list(), equalTo(List.of(firstSegment.name(), secondSegment.name())));
            try (ArchiveSegmentReader reader = store.open(secondSegment.name(), new DecodedFileCache(16))) {
                reader.verify();
                assertArrayEquals(Files.readAllBytes(second.files().getFirst()), reader.fileBytes(0));
            }
        }
    }

    @Test
    void aStoreThatIsDownAtStartFailsItsFirstCallNotItsCreation() throws IOException {
        AzureBlobArchiveStore nowhere = AzureBlobArchiveStore.connect(
                azurite.connectionString().replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:1"), "archive", Duration.ofSeconds(3));
        IOException e = assertThrows(IOException.class, nowhere::list);
        assertThat(e.getMessage(), containsString("could not list the blobs"));
        try (AzureBlobArchiveStore store = newStore()) {
            assertThat(store.list(), is(empty()));
        }
    }

    /** A start's one look at the archive: the listing gives each segment's bytes, as its two parts' lengths. */
    @Test
    void theListingGivesEachSegmentsBytes() throws IOException {
        try (AzureBlobArchiveStore store = newStore()) {
            store.store(firstSegment.name(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));
            store.store(secondSegment.name(), temp.resolve("2.tar.gz"), temp.resolve("2.idx"));
            assertThat(store.listWithSizes(), equalTo(List.of(
                    new ArchiveStore.Stored(firstSegment.name(), firstSegment.dataBytes() + firstSegment.indexBytes()),
                    new ArchiveStore.Stored(secondSegment.name(),
                                            secondSegment.dataBytes() + secondSegment.indexBytes()))));
        }
    }

    /**
     * Local copies of the index parts: made at the store, read locally (an outage does not stop them), kept within
     * their budget by deleting the least recently used, downloaded again when needed, kept across a restart, and
     * deleted with their segment.
     */
    @Test
    void indexPartsAreReadFromLocalCopiesKeptWithinTheirBudget() throws Exception {
        String containerName = "archive-" + UUID.randomUUID();
        Path copies = temp.resolve("copies-" + containerName);
        byte[] firstIndex = Files.readAllBytes(temp.resolve("1.idx"));
        byte[] secondIndex = Files.readAllBytes(temp.resolve("2.idx"));
        long budget = Math.max(firstIndex.length, secondIndex.length); // room for one copy
        try (LocalIndexCopies store = LocalIndexCopies.open(
                AzureBlobArchiveStore.connect(azurite.connectionString(), containerName, TIMEOUT), copies, budget)) {
            store.store(firstSegment.name(), temp.resolve("1.tar.gz"), temp.resolve("1.idx"));
            assertArrayEquals(firstIndex, Files.readAllBytes(copies.resolve(firstSegment.name().indexName())));
            store.store(secondSegment.name(), temp.resolve("2.tar.gz"), temp.resolve("2.idx"));
            assertThat("the older copy made room", copyNames(copies), equalTo(List.of(secondSegment.name().indexName())));
            assertThat(store.heldBytes(), is((long) secondIndex.length));

            try (ArchiveSegmentReader reader = store.open(firstSegment.name(), new DecodedFileCache(16))) {
                reader.verify();
                assertThat(reader.record(1_234), equalTo(first.records().get(1_233)));
            }
            assertThat("downloaded again, the other one evicted", copyNames(copies),
                       equalTo(List.of(firstSegment.name().indexName())));

            azurite.stop();
            try {
                try (ByteSource index = store.openIndex(firstSegment.name())) {
                    assertArrayEquals(firstIndex, index.read(0, (int) index.size()));
                }
                assertThrows(IOException.class, () -> store.openIndex(secondSegment.name()));
            } finally {
                azurite.start();
            }
        }

        Files.write(copies.resolve(firstSegment.name().indexName() + "123.tmp"), new byte[] {1, 2, 3}); // a cut copy
        try (LocalIndexCopies restarted = LocalIndexCopies.open(
                AzureBlobArchiveStore.connect(azurite.connectionString(), containerName, TIMEOUT), copies, budget)) {
            assertThat(copyNames(copies), equalTo(List.of(firstSegment.name().indexName())));
            assertThat(restarted.heldBytes(), is((long) firstIndex.length));
            restarted.delete(firstSegment.name());
            assertThat(copyNames(copies), is(empty()));
            assertThat(restarted.heldBytes(), is(0L));
            assertThat(restarted.list(), equalTo(List.of(secondSegment.name())));
        }
    }

    private static List<String> copyNames(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.map(entry -> entry.getFileName().toString()).sorted().toList();
        }
    }
}
