package com.repricer.storage;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The ledgers a test opened, all closed after it (a closed one again is a no-op):
 * {@code @RegisterExtension final OpenedLedgers opened = new OpenedLedgers();}.
 */
final class OpenedLedgers implements AfterEachCallback {

    private final List<Ledger> ledgers = new ArrayList<>();

    /** Opens and recovers a ledger, to be closed after the test. */
    Ledger open(StorageConfig config, Clock clock) throws IOException {
        return add(StorageFixtures.openAndRecover(config, clock));
    }

    /** @return {@code ledger}, to be closed after the test */
    Ledger add(Ledger ledger) {
        ledgers.add(ledger);
        return ledger;
    }

    int size() {
        return ledgers.size();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ledgers.forEach(Ledger::close);
        ledgers.clear();
    }
}
