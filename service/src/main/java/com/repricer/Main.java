package com.repricer;

import com.repricer.storage.DataDirectoryInUseException;
import io.helidon.logging.common.LogConfig;
import sun.misc.Signal;

import java.time.Clock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts the service: {@code java -jar service/target/repricer.jar}. Exit codes: 0 after SIGTERM/SIGINT once
 * everything accepted is durable, 2 if the data directory is in use, 1 on any other start-up failure.
 */
public final class Main {

    static final int EXIT_DATA_DIRECTORY_IN_USE = 2;
    static final int EXIT_START_FAILED = 1;
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        AotCacheStatus.log();
        Repricer repricer;
        try {
            repricer = Repricer.start(ServiceConfig.load(System.getenv()), Clock.systemUTC());
        } catch (DataDirectoryInUseException e) {
            LOG.severe(e.getMessage());
            System.exit(EXIT_DATA_DIRECTORY_IN_USE);
            return;
        } catch (Exception e) {
            LOG.log(Level.SEVERE, "Start-up failed: " + e.getMessage(), e);
            System.exit(EXIT_START_FAILED);
            return;
        }
        // A JVM shutdown hook would exit with 143 after SIGTERM; SPEC §4 wants 0 once the data is safe.
        for (String signal : new String[] {"TERM", "INT"}) {
            // Signal handlers run on a daemon thread: the JVM would exit under it once the last storage thread ends.
            Signal.handle(new Signal(signal), received -> Thread.ofPlatform().daemon(false).name("repricer-shutdown")
                                                                .start(() -> {
                LOG.info("SIG" + received.getName() + " received; shutting down");
                repricer.close();
                System.exit(0);
            }));
        }
    }
}
