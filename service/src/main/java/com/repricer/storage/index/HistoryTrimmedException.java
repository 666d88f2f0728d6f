package com.repricer.storage.index;

/**
 * A read reached records that history retention has deleted since the reader looked at where the history
 * starts: the reader starts again from the new start ({@code repricer.history.retention}, docs/archive.md).
 */
public final class HistoryTrimmedException extends RuntimeException {

    public HistoryTrimmedException(String message) {
        super(message, null, false, false);
    }
}
