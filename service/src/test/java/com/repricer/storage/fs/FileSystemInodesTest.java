package com.repricer.storage.fs;

import com.repricer.fixtures.ExternalCommand;
import com.repricer.fixtures.Tmpfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The statvfs reader against {@code stat -f} (coreutils: {@code %c} total file nodes, {@code %d} free file nodes),
 * which reads the same kernel counts through its own C code: a wrong field offset in the struct layout would show
 * as another number.
 */
class FileSystemInodesTest {

    @TempDir
    Path directory;

    /** {@code stat -f}'s total and free inodes of the file system holding {@code path}. */
    private static long[] stat(Path path) {
        ExternalCommand.Outcome stat = ExternalCommand.run(List.of("stat", "-f", "-c", "%c %d", path.toString()),
                                                           Path.of("/"), Map.of(), new byte[0], Duration.ofSeconds(10));
        assertThat(stat.output(), stat.exitCode(), is(0));
        String[] fields = stat.out().trim().split(" ");
        return new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])};
    }

    /**
     * On the build's own file system other processes create and delete files meanwhile: compared on a reading that
     * {@code stat -f} gives identically just before and just after it.
     */
    @Test
    void theCountsAreStatsOnTheTestsFileSystem() {
        FileSystemInodes inodes = FileSystemInodes.of(directory);
        for (int attempt = 0; attempt < 50; attempt++) {
            long[] before = stat(directory);
            FileSystemInodes.Counts counts = inodes.read().orElseThrow();
            long[] after = stat(directory);
            if (before[0] == after[0] && before[1] == after[1]) {
                assertThat("f_files", counts.total(), is(before[0]));
                assertThat("f_ffree", counts.free(), is(before[1]));
                assertThat("f_favail", counts.available(), lessThanOrEqualTo(counts.free()));
                assertThat(counts.used(), is(before[0] - before[1]));
                return;
            }
        }
        throw new AssertionError("stat -f never gave the same free inodes twice in a row: the disk is too busy");
    }

    /** A private tmpfs: nothing else writes there, so the counts are exact, and each new file takes one inode. */
    @Test
    void aTmpfsShowsItsInodeLimitAndEveryNewFile(@TempDir Path mountPoint) throws IOException {
        assumeTrue(Tmpfs.unavailable() == null, Tmpfs.unavailable());
        try (Tmpfs tmpfs = Tmpfs.mount(mountPoint, "size=4m,nr_inodes=500")) {
            FileSystemInodes inodes = FileSystemInodes.of(tmpfs.path());
            FileSystemInodes.Counts empty = inodes.read().orElseThrow();
            assertThat(empty.total(), is(500L));
            assertThat(new long[] {empty.total(), empty.free()}, is(stat(tmpfs.path())));
            assertThat("the root directory's inode at least", empty.used(), greaterThan(0L));

            for (int i = 0; i < 7; i++) {
                Files.createFile(tmpfs.path().resolve("file-" + i));
            }

            FileSystemInodes.Counts seven = inodes.read().orElseThrow();
            assertThat(seven.used(), is(empty.used() + 7));
            assertThat(seven.available(), is(empty.available() - 7));
            assertThat(new long[] {seven.total(), seven.free()}, is(stat(tmpfs.path())));
        }
    }

    @Test
    void aDirectoryNotCreatedYetIsCountedOnTheFileSystemThatWillHoldIt(@TempDir Path mountPoint) {
        assumeTrue(Tmpfs.unavailable() == null, Tmpfs.unavailable());
        try (Tmpfs tmpfs = Tmpfs.mount(mountPoint, "size=4m,nr_inodes=321")) {
            assertThat(FileSystemInodes.of(tmpfs.path().resolve("data/results")).read().orElseThrow().total(),
                       is(321L));
        }
    }
}
