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

    /**
     * A hurried caller does not wait for the task to notice (an idle-class thread may get no CPU for seconds): it
     * gets the task back undone at once, and the task, interrupted, goes on until it looks; its result is dropped.
     */
    @Test
    void aHurriedCallerGetsTheTaskBackUndoneAtOnceWhileTheTaskIsInterrupted() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean hurry = new AtomicBoolean();
        AtomicBoolean sawInterrupt = new AtomicBoolean();
        CountDownLatch taskEnded = new CountDownLatch(1);
        Thread.ofPlatform().start(() -> {
            awaitQuietly(started);
            hurry.set(true);
        });

        Optional<String> result = BackgroundPriority.run("priority-test", () -> {
            started.countDown();
            try {
                while (true) { // a starved task: it does not look at its interrupt until released
                    try {
                        release.await();
                        break;
                    } catch (InterruptedException e) {
                        sawInterrupt.set(true);
                    }
                }
                return "packed";
            } finally {
                taskEnded.countDown();
            }
        }, hurry::get);

        assertThat(result, is(Optional.empty()));
        assertThat("the task still runs", taskEnded.getCount(), is(1L));
        assertThat("the caller is not interrupted", Thread.currentThread().isInterrupted(), is(false));
        release.countDown();
        assertTrue(taskEnded.await(10, TimeUnit.SECONDS));
        assertThat("the task was interrupted", sawInterrupt.get(), is(true));
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
