package com.repricer.storage.archive;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where and when results files move into the archive. {@link #defaults(Path)} gives the values docs/archive.md
 * names.
 *
 * @param localRetention results windows older than this (by the wall clock) move from {@code results/} into
 *                       archive segments
 * @param inodeShare     the share of the file system's inodes the files in {@code results/} may use at most: past
 *                       it, the oldest complete spans move before their local retention (more than 0, at most 1)
 * @param segment        the time one segment covers, aligned to the epoch; at least one second
 * @param directory      the local store's directory; with Azure, where the local copies of the segments' index parts are
 * @param azure          the Azure Blob container to store segments in instead, if configured
 * @param historyRetention segments whose records are all older than this (reference: the newest record, capped by
 *                       the wall clock) are deleted; empty: kept forever. At least the local retention plus one
 *                       segment, so that a segment lives in the archive for at least one span
 *                       ({@link HistoryRetention})
 */
public record ArchiveConfig(Duration localRetention, double inodeShare, Duration segment, Path directory,
                            Optional<Azure> azure, Optional<Duration> historyRetention) {

    /** The default {@link #inodeShare}: a fifth of the file system's inodes for loose results files. */
    public static final double DEFAULT_INODE_SHARE = 0.2;

    /**
     * An Azure Blob container: a connection string (from a Secret) and the container's name, and how many bytes of
     * local copies of the segments' {@code .idx} parts the archive directory may hold ({@link LocalIndexCopies}).
     */
    public record Azure(String connectionString, String container, long indexCopyBytes) {

        /** {@code repricer.archive.azure.index-copies-mib}'s default: 1 GiB, the index of ~330 M records. */
        public static final long DEFAULT_INDEX_COPY_BYTES = 1L << 30;

        public Azure {
            if (connectionString.isBlank() || container.isBlank()) {
                throw new IllegalArgumentException("Azure archive store needs a connection string and a container");
            }
            if (indexCopyBytes < 0) {
                throw new IllegalArgumentException("repricer.archive.azure.index-copies-mib must be 0 or more");
            }
        }

        public Azure(String connectionString, String container) {
            this(connectionString, container, DEFAULT_INDEX_COPY_BYTES);
        }

        @Override
        public String toString() {
            return "Azure[container=" + container + "]"; // the connection string holds the account key
        }
    }

    public ArchiveConfig {
        if (localRetention.isNegative() || segment.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("local retention must not be negative and a segment covers at least"
                                               + " PT1S: " + localRetention + ", " + segment);
        }
        if (!(inodeShare > 0 && inodeShare <= 1)) {
            throw new IllegalArgumentException("the inode share of results/ must be more than 0 and at most 1: "
                                               + inodeShare);
        }
        if (historyRetention.isPresent()
            && historyRetention.get().compareTo(localRetention.plus(segment)) < 0) {
            throw new IllegalArgumentException("repricer.history.retention (" + historyRetention.get() + ") must be at"
                                               + " least repricer.results.local-retention plus repricer.archive.segment"
                                               + " (" + localRetention.plus(segment) + "): history is deleted whole"
                                               + " segments at a time, once archived");
        }
    }

    public static ArchiveConfig defaults(Path dataDirectory) {
        return new ArchiveConfig(Duration.ofHours(24), DEFAULT_INODE_SHARE, Duration.ofHours(1),
                                 dataDirectory.resolve("archive"), Optional.empty(), Optional.empty());
    }

    public ArchiveConfig withTiming(Duration newLocalRetention, Duration newSegment) {
        return new ArchiveConfig(newLocalRetention, inodeShare, newSegment, directory, azure, historyRetention);
    }

    public ArchiveConfig withInodeShare(double newInodeShare) {
        return new ArchiveConfig(localRetention, newInodeShare, segment, directory, azure, historyRetention);
    }

    public ArchiveConfig withDirectory(Path newDirectory) {
        return new ArchiveConfig(localRetention, inodeShare, segment, newDirectory, azure, historyRetention);
    }

    public ArchiveConfig withAzure(Optional<Azure> newAzure) {
        return new ArchiveConfig(localRetention, inodeShare, segment, directory, newAzure, historyRetention);
    }

    /** With history retention (set it after the timing: it must be at least the local retention plus a segment). */
    public ArchiveConfig withHistoryRetention(Optional<Duration> newHistoryRetention) {
        return new ArchiveConfig(localRetention, inodeShare, segment, directory, azure, newHistoryRetention);
    }
}
