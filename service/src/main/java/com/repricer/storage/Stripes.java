package com.repricer.storage;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The product locks: a fixed array of locks indexed by the product id's hash, so there is no global lock and no
 * lock object per product. A reprice holds its product's stripe while it reads the accepted price and hands the
 * update to the log, so one product's reprices enter the log in chain order. Holding every stripe shuts out every
 * reprice that is between its checks and its hand-off (shutdown, the failure rollback).
 */
final class Stripes {

    private final ReentrantLock[] locks;

    /** @param count a power of two */
    Stripes(int count) {
        locks = new ReentrantLock[count];
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    ReentrantLock of(String productId) {
        int hash = productId.hashCode();
        return locks[(hash ^ (hash >>> 16)) & (locks.length - 1)];
    }

    void lockAll() {
        for (ReentrantLock lock : locks) {
            lock.lock();
        }
    }

    void unlockAll() {
        for (int i = locks.length - 1; i >= 0; i--) {
            locks[i].unlock();
        }
    }
}
