package com.repricer.operator;

/**
 * How a long-running command ({@code reaper}, {@code guard --watch}) waits to be stopped: in production until
 * SIGTERM; in a test, until the test has seen what it came for. The command starts its loop and health endpoint,
 * calls {@link #await}, then closes both; {@code main} calls {@link #closed} once the command returned.
 */
public interface Lifetime {

    /** Blocks while the command runs; the health endpoint listens on {@code healthPort}. */
    void await(int healthPort) throws InterruptedException;

    /** The command has returned, its loop, health endpoint and client closed: the process may end. */
    default void closed() {
    }
}
