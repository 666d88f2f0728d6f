package com.repricer.storage.archive;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * Runs the archive's CPU-heavy work (packing a segment: reading, indexing and compressing its files; deleting the
 * loose files) on a thread of its own at the lowest CPU priority, so that it takes only the CPU the requests leave.
 *
 * <p>On Linux the thread puts itself in the {@code SCHED_IDLE} scheduling class ({@code sched_setscheduler(2)}
 * through the FFM API; pid 0 is the calling thread, and lowering one's own class needs no privilege). Not nice 19:
 * measured on 2 cores (BENCHMARKS.md, "Durable reprices while archiving runs, in the background"), a nice-19 packer
 * cost the reprices at the ceiling as much as a normal one, likely because the kernel lets a nice-19 thread that got
 * an idle moment run out its time slice (a few ms) before a request thread waking on that core gets it back; a
 * {@code SCHED_IDLE} thread is preempted by any other thread at once. Where {@code SCHED_IDLE} is refused, the
 * thread falls back to nice 19 ({@code setpriority(2)}), and where neither exists (not Linux: there pid 0 would mean
 * the whole process) it runs at normal priority. Java's own thread priorities do nothing on Linux.
 *
 * <p>Why a thread per task rather than a pool: a thread cannot be given its normal priority back without
 * {@code CAP_SYS_NICE}, so work that must not wait (the mover over its inode budget) runs on the caller's thread
 * instead, and a task is at most a few a second: a new thread costs far less than packing a segment.
 */
final class BackgroundPriority {

    private static final Logger LOG = Logger.getLogger(BackgroundPriority.class.getName());
    /** {@code SCHED_IDLE} in {@code <sched.h>}. */
    static final int SCHED_IDLE = 5;
    private static final int PRIO_PROCESS = 0;
    /** How often a waiting caller asks whether it must stop waiting. */
    static final long HURRY_POLL_MILLIS = 100;
    /** The nice value of the fallback: the lowest there is. */
    static final int NICE = 19;
    private static final Optional<MethodHandle> SCHED_SETSCHEDULER = linuxFunction("sched_setscheduler",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                  ValueLayout.ADDRESS));
    private static final Optional<MethodHandle> SETPRIORITY = linuxFunction("setpriority",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                                  ValueLayout.JAVA_INT));

    private BackgroundPriority() {
    }

    /** Work that may throw an {@link IOException}. */
    interface Task<T> {
        T run() throws IOException;
    }

    /** Whether this platform lets a thread lower its CPU priority (checked once). */
    static boolean available() {
        return SCHED_SETSCHEDULER.isPresent() && SETPRIORITY.isPresent();
    }

    /**
     * Runs {@code task} on a new platform thread at the lowest CPU priority and waits for it, unless it must not
     * wait any longer: every {@value #HURRY_POLL_MILLIS} ms {@code hurry} is asked, and once it answers yes the task
     * is interrupted (an interruptible channel then fails at its next read or write) and handed back undone at
     * once, for the caller to do at its own priority. At once, not once it has ended: under a full load an
     * idle-class thread gets almost no CPU, and even noticing the interrupt took it seconds (the inode test,
     * BENCHMARKS.md). So a task given up may still run for a while after this returns: it must work on files of
     * its own, or on work that is harmless to do twice.
     *
     * @param task   work returning a result, never {@code null}
     * @return the task's result, or empty if it was given up unfinished because of {@code hurry} (its result, should
     *         it still finish, is dropped)
     * @throws InterruptedIOException if the caller is interrupted: the task is interrupted too, and has ended
     */
    static <T> Optional<T> run(String threadName, Task<T> task, BooleanSupplier hurry) throws IOException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = Thread.ofPlatform().name(threadName).start(() -> {
            lowerCurrentThread();
            try {
                result.set(task.run());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        try {
            while (!worker.join(Duration.ofMillis(HURRY_POLL_MILLIS))) {
                if (hurry.getAsBoolean()) {
                    worker.interrupt();
                    return Optional.empty();
                }
            }
        } catch (InterruptedException e) {
            worker.interrupt();
            joinUninterruptibly(worker);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(threadName + " interrupted");
        }
        if (result.get() != null) {
            return Optional.of(result.get());
        }
        Throwable thrown = failure.get();
        if (thrown instanceof IOException io) {
            throw io;
        }
        if (thrown instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        throw new UncheckedIOException(new IOException(thrown));
    }

    /** Puts the calling thread in {@code SCHED_IDLE}, or else at nice {@link #NICE}, where it can. */
    private static void lowerCurrentThread() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment schedParam = arena.allocate(ValueLayout.JAVA_INT); // struct sched_param { 0 }
            if (SCHED_SETSCHEDULER.isPresent()
                && (int) SCHED_SETSCHEDULER.get().invokeExact(0, SCHED_IDLE, schedParam) == 0) {
                return;
            }
            if (SETPRIORITY.isPresent() && (int) SETPRIORITY.get().invokeExact(PRIO_PROCESS, 0, NICE) == 0) {
                return;
            }
            LOG.fine("the kernel refused a lower priority; this segment is packed at normal CPU priority");
        } catch (Throwable e) {
            LOG.fine(() -> "lowering the packer's priority failed: " + e);
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static Optional<MethodHandle> linuxFunction(String name, FunctionDescriptor signature) {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return Optional.empty(); // elsewhere pid 0 is the whole process, not the calling thread
        }
        try {
            Linker linker = Linker.nativeLinker();
            return Optional.of(linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), signature));
        } catch (Throwable e) {
            LOG.info(name + " is not available (" + e + "); archive segments may be packed at normal CPU priority");
            return Optional.empty();
        }
    }
}
