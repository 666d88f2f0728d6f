package com.repricer.storage;

/** Another process holds the data directory's lock: two writers would corrupt the previous-price chain. */
public final class DataDirectoryInUseException extends RuntimeException {

    public DataDirectoryInUseException(String message) {
        super(message);
    }
}
