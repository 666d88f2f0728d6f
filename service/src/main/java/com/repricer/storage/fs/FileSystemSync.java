package com.repricer.storage.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Linux {@code syncfs(2)} through the FFM API: one call makes everything written so far on the file system
 * durable. At thousands of results files a second, one fsync per file would cost more disk time than the log
 * itself; one {@code syncfs} per batch (every {@code repricer.results.sync-interval}) costs about as much as one
 * fsync of the data written.
 *
 * <p>The folder's descriptor stays open for the writer's lifetime on purpose: {@code syncfs} reports a write-back
 * error that happened since the descriptor was opened (Linux ≥ 5.8), so a fresh descriptor could miss one.
 * Where {@code syncfs} is missing (not Linux) or native access is refused, {@link #open} returns empty and the
 * caller fsyncs file by file.
 */
public final class FileSystemSync implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(FileSystemSync.class.getName());
    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0x10000;

    private final MethodHandle syncfs;
    private final MethodHandle close;
    private final VarHandle errno;
    private final MemorySegment callState;
    private final int descriptor;
    private final Path directory;

    private FileSystemSync(MethodHandle syncfs, MethodHandle close, VarHandle errno, MemorySegment callState,
                           int descriptor, Path directory) {
        this.syncfs = syncfs;
        this.close = close;
        this.errno = errno;
        this.callState = callState;
        this.descriptor = descriptor;
        this.directory = directory;
    }

    /** A syncer for the file system holding {@code directory}, or empty where syncfs cannot be used. */
    static Optional<FileSystemSync> open(Path directory) {
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Linker.Option errnoOption = Linker.Option.captureCallState("errno");
            MethodHandle open = linker.downcallHandle(libc.find("open").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                    errnoOption);
            MethodHandle syncfs = linker.downcallHandle(libc.find("syncfs").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errnoOption);
            MethodHandle close = linker.downcallHandle(libc.find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            VarHandle errno = Linker.Option.captureStateLayout()
                                           .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
            MemorySegment callState = Arena.global().allocate(Linker.Option.captureStateLayout());
            int descriptor;
            try (Arena arena = Arena.ofConfined()) {
                descriptor = (int) open.invokeExact(callState, arena.allocateFrom(directory.toString()),
                                                    O_RDONLY | O_DIRECTORY);
            }
            if (descriptor < 0) {
                LOG.warning("Cannot open " + directory + " for syncfs (errno " + errno.get(callState, 0L)
                            + "); results files are fsync'ed one by one");
                return Optional.empty();
            }
            return Optional.of(new FileSystemSync(syncfs, close, errno, callState, descriptor, directory));
        } catch (Throwable e) {
            // No syncfs on this platform, or --enable-native-access refused: fall back, never fail the start.
            LOG.info("syncfs is not available (" + e + "); results files are fsync'ed one by one");
            return Optional.empty();
        }
    }

    /** Makes every write on this file system so far durable. */
    public void sync() throws IOException {
        int result;
        try {
            result = (int) syncfs.invokeExact(callState, descriptor);
        } catch (Throwable e) {
            throw new IOException("syncfs failed for " + directory, e);
        }
        if (result != 0) {
            throw new IOException("syncfs failed for " + directory + ": errno " + errno.get(callState, 0L));
        }
    }

    @Override
    public void close() {
        try {
            int ignored = (int) close.invokeExact(descriptor);
        } catch (Throwable e) {
            LOG.warning("Closing the syncfs descriptor of " + directory + " failed: " + e);
        }
    }
}
