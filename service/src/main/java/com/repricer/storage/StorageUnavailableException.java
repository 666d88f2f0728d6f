package com.repricer.storage;

/** The storage cannot take or serve this request now; the caller may retry later (503 + Retry-After). */
public final class StorageUnavailableException extends RuntimeException {

    /** Why the storage refused. */
    public enum Reason {
        /** Start-up recovery has not finished. */
        RECOVERING,
        /** The write pipeline is full. */
        OVERLOADED,
        /** A write or fsync failed (disk full, I/O error); nothing of the refused request was kept. */
        FAILING,
        /** Free inodes are below the reserve kept for the archive mover; nothing of the refused request was kept. */
        INODE_RESERVE,
        /** The service is shutting down. */
        SHUTTING_DOWN
    }

    private final Reason reason;

    public StorageUnavailableException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
