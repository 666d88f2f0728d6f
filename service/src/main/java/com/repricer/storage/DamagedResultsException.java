package com.repricer.storage;

/**
 * Records the history holds cannot be read: their results file in {@code results/} is damaged or gone, and the
 * log no longer holds them. Nothing retries this away; the operator has to put the file back (answered 500, and
 * readiness is down once it is known).
 */
public final class DamagedResultsException extends RuntimeException {

    public DamagedResultsException(String message) {
        super(message, null, false, false);
    }
}
