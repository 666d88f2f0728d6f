package com.repricer.storage.archive;

import java.io.IOException;

/**
 * A segment or its index is not what its writer wrote: truncated, a checksum that does not match, a tar entry
 * that is not the file the index names. The message names the part and what was expected.
 */
public final class CorruptSegmentException extends IOException {

    public CorruptSegmentException(String message) {
        super(message);
    }

    public CorruptSegmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
