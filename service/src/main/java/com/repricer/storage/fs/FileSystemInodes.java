package com.repricer.storage.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The inode counts of the file system holding a directory, as {@code df -i} shows them: C library
 * {@code statvfs(3)} through the FFM API, since the JDK's {@code FileStore} reports bytes only.
 *
 * <p>Only on 64-bit Linux, where glibc and musl lay out {@code struct statvfs} as eleven 8-byte fields
 * ({@code f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail, f_fsid, f_flag, f_namemax})
 * followed by six {@code int}s of padding (glibc's {@code bits/statvfs.h}; musl names the first of those
 * {@code f_type}); 112 bytes in all. Elsewhere, or where native access is refused
 * ({@code --illegal-native-access=deny}), {@link #read} returns empty and the first use says so once in the log:
 * the callers then apply no inode bound, as before.
 */
public final class FileSystemInodes {

    private static final Logger LOG = Logger.getLogger(FileSystemInodes.class.getName());

    private static final StructLayout STATVFS = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("f_bsize"), ValueLayout.JAVA_LONG.withName("f_frsize"),
            ValueLayout.JAVA_LONG.withName("f_blocks"), ValueLayout.JAVA_LONG.withName("f_bfree"),
            ValueLayout.JAVA_LONG.withName("f_bavail"), ValueLayout.JAVA_LONG.withName("f_files"),
            ValueLayout.JAVA_LONG.withName("f_ffree"), ValueLayout.JAVA_LONG.withName("f_favail"),
            ValueLayout.JAVA_LONG.withName("f_fsid"), ValueLayout.JAVA_LONG.withName("f_flag"),
            ValueLayout.JAVA_LONG.withName("f_namemax"),
            MemoryLayout.sequenceLayout(6, ValueLayout.JAVA_INT).withName("f_spare"));
    private static final VarHandle FILES = field("f_files");
    private static final VarHandle FREE = field("f_ffree");
    private static final VarHandle AVAILABLE = field("f_favail");
    /** Set once the first failure has been logged: a missing call is logged once, not every second. */
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    /**
     * @param total     inodes of the file system ({@code f_files}); 0 where it has no fixed number (btrfs, some
     *                  network file systems)
     * @param free      free inodes ({@code f_ffree})
     * @param available free inodes an unprivileged process may use ({@code f_favail})
     */
    public record Counts(long total, long free, long available) {

        /** Inodes in use, what {@code df -i} shows as {@code IUsed}. */
        public long used() {
            return total - free;
        }
    }

    private final Path directory;

    private FileSystemInodes(Path directory) {
        this.directory = directory.toAbsolutePath();
    }

    /** The inodes of the file system holding {@code directory} (which need not exist yet: its parents are asked). */
    public static FileSystemInodes of(Path directory) {
        return new FileSystemInodes(directory);
    }

    /** The counts now, or empty if they cannot be read here (logged once). */
    public Optional<Counts> read() {
        Statvfs call = Statvfs.CALL;
        if (call == null) {
            return Optional.empty();
        }
        Path existing = directory;
        while (existing.getParent() != null && !existing.toFile().exists()) {
            existing = existing.getParent();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(STATVFS);
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int result = (int) call.statvfs.invokeExact(state, arena.allocateFrom(existing.toString()), buffer);
            if (result != 0) {
                logOnce("statvfs(" + existing + ") failed with errno " + Statvfs.ERRNO.get(state, 0L));
                return Optional.empty();
            }
            return Optional.of(new Counts((long) FILES.get(buffer, 0L), (long) FREE.get(buffer, 0L),
                                          (long) AVAILABLE.get(buffer, 0L)));
        } catch (Throwable e) {
            logOnce("statvfs(" + existing + ") failed: " + e);
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "inodes of " + directory;
    }

    private static VarHandle field(String name) {
        return STATVFS.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    private static void logOnce(String what) {
        if (LOGGED.compareAndSet(false, true)) {
            LOG.warning(what + "; free inodes are not watched (no inode bound on results/, no inode reserve)");
        }
    }

    /** The downcall, linked on first use; {@code null} where it cannot be. */
    private static final class Statvfs {

        static final VarHandle ERRNO = Linker.Option.captureStateLayout()
                                                    .varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final Statvfs CALL = link();

        final MethodHandle statvfs;

        private Statvfs(MethodHandle statvfs) {
            this.statvfs = statvfs;
        }

        private static Statvfs link() {
            String os = System.getProperty("os.name", "");
            if (!os.equals("Linux") || ValueLayout.ADDRESS.byteSize() != 8) {
                logOnce("statvfs is used on 64-bit Linux only, not on " + os + " (" + System.getProperty("os.arch")
                        + ")");
                return null;
            }
            try {
                Linker linker = Linker.nativeLinker();
                MethodHandle handle = linker.downcallHandle(
                        linker.defaultLookup().find("statvfs").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                        Linker.Option.captureCallState("errno"));
                return new Statvfs(handle);
            } catch (Throwable e) {
                // No statvfs in the C library, or native access refused: no inode bound, never a failed start.
                logOnce("statvfs is not available (" + e + ")");
                return null;
            }
        }
    }
}
