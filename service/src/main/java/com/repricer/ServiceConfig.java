package com.repricer;

import com.repricer.storage.StorageConfig;
import com.repricer.storage.archive.ArchiveConfig;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Configuration: {@code application.yaml} on the class path, overridden by environment variables (Helidon's
 * mapping: {@code REPRICER_LIMITS_PRODUCT} sets {@code repricer.limits.product}; {@code _dash_} stands for a
 * dash) and system properties. Three variables have the exact names SPEC §4 promises and are mapped here, and so is
 * {@code REPRICER_EXPORT_PORT} (the Kubernetes contract's name for the export socket's port).
 */
final class ServiceConfig {

    /** SPEC §4 names (and the export port's) → configuration keys. */
    static final Map<String, String> NAMED_VARIABLES = Map.of(
            "REPRICER_DATA_DIR", "repricer.data-dir",
            "REPRICER_PORT", "server.port",
            "REPRICER_ADMIN_PORT", "server.sockets.0.port",
            "REPRICER_EXPORT_PORT", "server.sockets.1.port");

    private ServiceConfig() {
    }

    static Config load(Map<String, String> environment) {
        Map<String, String> named = new HashMap<>();
        NAMED_VARIABLES.forEach((variable, key) -> {
            String value = environment.get(variable);
            if (value != null) {
                named.put(key, value);
            }
        });
        return Config.builder()
                     .disableEnvironmentVariablesSource()
                     .disableSystemPropertiesSource()
                     .addSource(ConfigSources.create(named).name("SPEC §4 environment variables"))
                     .addSource(ConfigSources.systemProperties())
                     .addSource(ConfigSources.environmentVariables())
                     .addSource(ConfigSources.classpath("application.yaml"))
                     .build();
    }

    static StorageConfig storage(Config config) {
        Config repricer = config.get("repricer");
        StorageConfig defaults = StorageConfig.defaults(Path.of(repricer.get("data-dir").asString().get()));
        return defaults.withWindow(repricer.get("results.window").as(Duration.class).orElse(defaults.window()),
                                   repricer.get("results.max-records").asInt().orElse(defaults.maxRecordsPerFile()))
                       .withWriteQueueCapacity(repricer.get("write.queue-capacity").asInt()
                                                       .orElse(defaults.writeQueueCapacity()))
                       .withResultsSyncInterval(repricer.get("results.sync-interval").as(Duration.class)
                                                        .orElse(defaults.resultsSyncInterval()))
                       .withIdempotencyWindow(repricer.get("idempotency.max-keys").asInt()
                                                      .orElse(defaults.idempotencyKeys()),
                                              repricer.get("idempotency.max-age").as(Duration.class)
                                                      .orElse(defaults.idempotencyMaxAge()));
    }

    /**
     * The archive: {@code repricer.results.local-retention} and {@code repricer.results.local-retention-inode-share}
     * (more than 0, at most 1), {@code repricer.archive.segment},
     * {@code repricer.archive.directory} (default {@code <data-dir>/archive}), and the Azure Blob store when both
     * {@code repricer.archive.azure.connection-string} and {@code repricer.archive.azure.container} are set, with
     * {@code repricer.archive.azure.index-copies-mib} (default 1024) of local index copies;
     * {@code repricer.history.retention} (unset: history is kept forever).
     */
    static ArchiveConfig archive(Config config, StorageConfig storage) {
        Config repricer = config.get("repricer");
        ArchiveConfig defaults = ArchiveConfig.defaults(storage.dataDirectory());
        Optional<String> connectionString = repricer.get("archive.azure.connection-string").asString().asOptional()
                                                    .filter(value -> !value.isBlank());
        Optional<String> container = repricer.get("archive.azure.container").asString().asOptional()
                                             .filter(value -> !value.isBlank());
        if (connectionString.isPresent() != container.isPresent()) {
            throw new IllegalArgumentException("repricer.archive.azure.connection-string and "
                                               + "repricer.archive.azure.container must be set together");
        }
        return defaults.withTiming(repricer.get("results.local-retention").as(Duration.class)
                                           .orElse(defaults.localRetention()),
                                   repricer.get("archive.segment").as(Duration.class).orElse(defaults.segment()))
                       .withInodeShare(inodeShare(repricer.get("results.local-retention-inode-share")
                                                          .asDouble().orElse(defaults.inodeShare())))
                       .withDirectory(repricer.get("archive.directory").asString().map(Path::of)
                                              .orElse(defaults.directory()))
                       .withAzure(connectionString.map(value -> new ArchiveConfig.Azure(
                               value, container.get(), indexCopyMib(repricer.get("archive.azure.index-copies-mib")
                                                                            .asLong().orElse(DEFAULT_INDEX_COPY_MIB))
                                                       * MIB)))
                       .withHistoryRetention(repricer.get("history.retention").as(Duration.class).asOptional());
    }

    private static final long MIB = 1L << 20;
    private static final long DEFAULT_INDEX_COPY_MIB = ArchiveConfig.Azure.DEFAULT_INDEX_COPY_BYTES / MIB;

    private static long indexCopyMib(long mib) {
        if (mib < 0 || mib > Long.MAX_VALUE / MIB) {
            throw new IllegalArgumentException("repricer.archive.azure.index-copies-mib must be 0 or more (MiB of "
                                               + "local copies of the archive's index parts; 0: none kept): " + mib);
        }
        return mib;
    }

    private static double inodeShare(double share) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("repricer.results.local-retention-inode-share must be more than 0 and"
                                               + " at most 1 (a share of the file system's inodes): " + share);
        }
        return share;
    }

    /** Where to write the bound ports once listening ({@code repricer.ports-file}); unset by default. */
    static Optional<Path> portsFile(Config config) {
        return config.get("repricer.ports-file").asString().map(Path::of);
    }

    static int productLimit(Config config) {
        return config.get("repricer.limits.product").asInt().orElse(50);
    }

    static int queryLimit(Config config) {
        return config.get("repricer.limits.query").asInt().orElse(50);
    }

    /** Time an API response may take to be written in whole ({@code PT0S}: no bound). */
    static Duration sendTimeout(Config config) {
        Duration timeout = config.get("repricer.response.send-timeout").as(Duration.class)
                                 .orElse(Duration.ofSeconds(20));
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("repricer.response.send-timeout must not be negative: " + timeout);
        }
        return timeout;
    }

    static Duration bodyTimeout(Config config) {
        return config.get("repricer.reprice.body-timeout").as(Duration.class).orElse(Duration.ofSeconds(30));
    }
}
