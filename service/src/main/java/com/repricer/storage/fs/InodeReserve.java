package com.repricer.storage.fs;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The free inodes kept back for the archive mover. Moving results files into the archive frees inodes, but it needs
 * a few new files first (the staged segment in {@code tmp/}, the store's copies); if reprices used the last free
 * inode, the mover could never free one and the service would stay stuck. So new reprices are refused (503 +
 * {@code Retry-After}) while the free inodes ({@code f_favail}), less one for each record accepted and not yet in a
 * results file (each may still need one), are below {@link #reserveOf the reserve}; they are taken again by
 * themselves once the mover has freed some.
 *
 * <p>Asked on every reprice, so the counts are read at most every {@value #READ_EVERY_MILLIS} ms while far from the
 * reserve, and on every call once within twice the reserve (by one caller at a time; the others use the last
 * reading meanwhile): a fast writer cannot slip past it between two readings. Where inodes cannot be read, or the
 * file system has no fixed number of them, there is no reserve.
 */
public final class InodeReserve {

    static final long READ_EVERY_MILLIS = 1;
    private static final long READ_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(READ_EVERY_MILLIS);

    private final FileSystemInodes inodes;
    private final LongSupplier unfiled;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile Reading last;

    /**
     * @param available free inodes ({@code f_favail}) when read
     * @param reserve   the inodes kept free; 0 if there is no reserve
     */
    private record Reading(long atNanos, long total, long available, long reserve) {
    }

    /**
     * @param unfiled records accepted and not yet in a results file (queued for the log, or waiting for the results
     *                writer): each may still take an inode
     */
    public InodeReserve(FileSystemInodes inodes, LongSupplier unfiled) {
        this.inodes = inodes;
        this.unfiled = unfiled;
        this.last = read(System.nanoTime());
    }

    /**
     * The inodes kept free: 1 % of the file system's, but at least 1 024 (or a tenth of them on a file system of
     * fewer than 10 240). It must cover what the accounting of unfiled records misses: the mover's four files, an
     * index snapshot's and the idempotency keys' few, a log segment, and the group being written to the log.
     *
     * @param total the file system's inodes; 0 if it has no fixed number (then nothing is reserved)
     */
    public static long reserveOf(long total) {
        return Math.max(total / 100, Math.min(1024, total / 10));
    }

    /** Why reprices are refused now (free inodes below the reserve), or {@code null} if they are not. */
    public String shortage() {
        Reading reading = last;
        long now = System.nanoTime();
        long pending = unfiled.getAsLong();
        boolean near = reading.available() - pending < 2 * reading.reserve();
        if ((near || now - reading.atNanos() >= READ_EVERY_NANOS) && refreshing.compareAndSet(false, true)) {
            try {
                reading = read(now);
                last = reading;
            } finally {
                refreshing.set(false);
            }
        }
        long free = reading.available() - pending;
        if (free >= reading.reserve()) {
            return null;
        }
        return "only " + reading.available() + " of " + reading.total() + " inodes are free (" + pending
               + " of them needed for records accepted), fewer than the " + reading.reserve() + " kept for the"
               + " archive mover; reprices are taken again once it has freed some";
    }

    private Reading read(long now) {
        return inodes.read().filter(counts -> counts.total() > 0)
                     .map(counts -> new Reading(now, counts.total(), counts.available(), reserveOf(counts.total())))
                     .orElseGet(() -> new Reading(now, 0, Long.MAX_VALUE, 0)); // no reserve
    }
}
