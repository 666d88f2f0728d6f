package com.repricer.storage;

/**
 * @param ready  whether the storage takes and serves requests
 * @param reason why not, else "ok"
 */
public record StorageHealth(boolean ready, String reason) {
}
