package com.repricer.storage.fs;

import com.repricer.fixtures.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static com.repricer.storage.StorageFixtures.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class InodeReserveTest {

    @Test
    void theReserveIsOnePercentButAtLeast1024OrATenthOfASmallFileSystem() {
        assertThat(InodeReserve.reserveOf(2_097_152), is(20_971L)); // the shipped 32 GiB ext4 claim
        assertThat(InodeReserve.reserveOf(20_000), is(1_024L));
        assertThat(InodeReserve.reserveOf(400), is(40L));
        assertThat("no fixed number of inodes: nothing reserved", InodeReserve.reserveOf(0), is(0L));
    }

    /** A tmpfs of 300 inodes keeps 30: files are created until fewer are free, then some are deleted again. */
    @Test
    void reportsAShortageBelowTheReserveAndNoneOnceInodesAreFreed(@TempDir Path mountPoint) throws IOException {
        assumeTrue(Tmpfs.unavailable() == null, Tmpfs.unavailable());
        try (Tmpfs tmpfs = Tmpfs.mount(mountPoint, "size=4m,nr_inodes=300")) {
            FileSystemInodes inodes = FileSystemInodes.of(tmpfs.path());
            InodeReserve reserve = new InodeReserve(inodes, () -> 0);
            assertThat(reserve.shortage(), is(nullValue()));

            List<Path> files = new ArrayList<>();
            while (inodes.read().orElseThrow().available() >= 30) {
                files.add(Files.createFile(tmpfs.path().resolve("file-" + files.size())));
            }
            await(java.time.Duration.ofSeconds(5), () -> reserve.shortage() != null, "the shortage to be seen");
            assertThat(reserve.shortage(), containsString("of 300 inodes are free (0 of them needed for records"
                                                          + " accepted), fewer than the 30 kept for the archive mover"));

            for (Path file : files.subList(0, 10)) {
                Files.delete(file);
            }
            await(java.time.Duration.ofSeconds(5), () -> reserve.shortage() == null, "the shortage to end");

            // Records accepted and not yet filed may each still take an inode: counted as taken already.
            long available = inodes.read().orElseThrow().available();
            assertThat(new InodeReserve(inodes, () -> available - 30).shortage(), is(nullValue()));
            assertThat(new InodeReserve(inodes, () -> available - 29).shortage(),
                       containsString("(" + (available - 29) + " of them needed for records accepted)"));
        }
    }
}
