package com.repricer.storage.archive;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Background work: the priority it runs at (read back from /proc), its result and failures, interruption. */
class BackgroundPriorityTest {

    private static final BooleanSupplier NEVER = () -> false;

    @Test
    void theTaskRunsOnItsOwnThreadInTheIdleClassWhileTheCallerKeepsItsPriority() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/thread-self/stat")), "Linux only");
        assertTrue(BackgroundPriority.available(), "sched_setscheduler and setpriority through FFM on Linux");
        int callerPolicy = statField(POLICY);

        Optional<Integer> taskPolicy = BackgroundPriority.run("priority-test", () -> statField(POLICY), NEVER);

        assertThat(taskPolicy, is(Optional.of(BackgroundPriority.SCHED_IDLE)));
        assertThat("the caller's own class is untouched", statField(POLICY), is(callerPolicy));
        assertThat(callerPolicy, is(SCHED_OTHER));
    }

    @Test
    void theTasksResultAndFailuresReachTheCaller() throws IOException {
        AtomicReference<String> thread = new AtomicReference<>();
        Optional<String> result = BackgroundPriority.run("priority-test", () -> {
            thread.set(Thread.currentThread().getName());
            return "packed";
        }, NEVER);
        assertThat(result, is(Optional.of("packed")));
        assertThat(thread.get(), is("priority-test"));

        IOException thrown = assertThrows(IOException.class, () -> BackgroundPriority.run("priority-test", () -> {
            throw new IOException("disk error");
        }, NEVER));
        assertThat(thrown.getMessage(), is("disk error"));
        IllegalStateException bug = assertThrows(IllegalStateException.class,
                () -> BackgroundPriority.run("priority-test", () -> {
                    throw new IllegalStateException("bug");
                }, NEVER));
        assertThat(bug.getMessage(), is("bug"));
    }

    @Test
    void interruptingTheCallerInterruptsTheTaskAndReturnsOnlyOnceItHasEnded() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean taskEnded = new AtomicBoolean();
        AtomicReference<Throwable> callerSaw = new AtomicReference<>();
        AtomicBoolean endedWhenCallerReturned = new AtomicBoolean();
        AtomicBoolean callerStillInterrupted = new AtomicBoolean();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                BackgroundPriority.run("priority-test", () -> {
                    started.countDown();
                    try {
                        new CountDownLatch(1).await(); // until interrupted
                        return null;
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException("task interrupted");
                    } finally {
                        taskEnded.set(true);
                    }
                }, NEVER);
            } catch (Throwable e) {
                callerSaw.set(e);
            }
            endedWhenCallerReturned.set(taskEnded.get());
            callerStillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));

        caller.interrupt();
        caller.join(TimeUnit.SECONDS.toMillis(10));

        assertThat(caller.isAlive(), is(false));
        assertThat(callerSaw.get().getClass(), equalTo(InterruptedIOException.class));
        assertThat(callerSaw.get().getMessage(), is("priority-test interrupted"));
        assertThat("the task had ended before the caller went on", endedWhenCallerReturned.get(), is(true));
        assertThat("the caller's interrupt is kept", callerStillInterrupted.get(), is(true));
    }

    @Test
    void aHurriedCallerGetsTheTaskBackUndoneOnceItHasEnded() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean hurry = new AtomicBoolean();
        AtomicBoolean taskEnded = new AtomicBoolean();
        Thread.ofPlatform().start(() -> {
            awaitQuietly(started);
            hurry.set(true);
        });

        Optional<String> result = BackgroundPriority.run("priority-test", () -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(); // a slow pack: until interrupted
                return "packed";
            } catch (InterruptedException e) {
                throw new InterruptedIOException("task interrupted");
            } finally {
                taskEnded.set(true);
            }
        }, hurry::get);

        assertThat(result, is(Optional.empty()));
        assertThat("the task had ended before the caller went on", taskEnded.get(), is(true));
        assertThat("the caller is not interrupted", Thread.currentThread().isInterrupted(), is(false));
    }

    @Test
    void aTaskThatFinishesDespiteTheHurryStillCounts() throws IOException {
        Optional<String> result = BackgroundPriority.run("priority-test", () -> {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * BackgroundPriority.HURRY_POLL_MILLIS);
            while (System.nanoTime() < until) {
                Thread.onSpinWait(); // ignores the interrupt: work that cannot be cut short
            }
            return "packed";
        }, () -> true);

        assertThat(result, is(Optional.of("packed")));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The scheduling policy's field in {@code /proc/thread-self/stat} (proc(5)). */
    private static final int POLICY = 41;
    private static final int SCHED_OTHER = 0;

    /** A numeric field of /proc/thread-self/stat (the fields after the command name, which may hold spaces). */
    private static int statField(int field) throws IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[field - 3]);
    }
}
