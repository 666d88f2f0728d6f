package com.repricer;

import com.repricer.storage.StorageConfig;
import com.repricer.storage.archive.ArchiveConfig;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ServiceConfigTest {

    @Test
    void embeddedDefaultsAreTheStorageDefaults() {
        StorageConfig storage = ServiceConfig.storage(ServiceConfig.load(Map.of("REPRICER_DATA_DIR", "/data")));

        assertThat(storage, is(StorageConfig.defaults(Path.of("/data"))));
        assertThat(storage.resultsSyncInterval(), is(Duration.ofMillis(100)));
        assertThat(storage.window(), is(Duration.ofSeconds(1)));
        assertThat(storage.maxRecordsPerFile(), is(10));
    }

    @Test
    void storageKeysOverrideTheDefaults() {
        Config config = Config.just(ConfigSources.create(Map.of(
                "repricer.data-dir", "/data",
                "repricer.results.window", "PT2S",
                "repricer.results.max-records", "5",
                "repricer.results.sync-interval", "PT1S",
                "repricer.write.queue-capacity", "16",
                "repricer.idempotency.max-keys", "7",
                "repricer.idempotency.max-age", "PT1H")));

        StorageConfig storage = ServiceConfig.storage(config);

        assertThat(storage.window(), is(Duration.ofSeconds(2)));
        assertThat(storage.maxRecordsPerFile(), is(5));
        assertThat(storage.resultsSyncInterval(), is(Duration.ofSeconds(1)));
        assertThat(storage.writeQueueCapacity(), is(16));
        assertThat(storage.idempotencyKeys(), is(7));
        assertThat(storage.idempotencyMaxAge(), is(Duration.ofHours(1)));
    }

    @Test
    void archiveDefaultsAreTheDocumentedOnes() {
        Config config = ServiceConfig.load(Map.of("REPRICER_DATA_DIR", "/data"));

        ArchiveConfig archive = ServiceConfig.archive(config, ServiceConfig.storage(config));

        assertThat(archive, is(ArchiveConfig.defaults(Path.of("/data"))));
        assertThat(archive.localRetention(), is(Duration.ofHours(24)));
        assertThat(archive.inodeShare(), is(0.2));
        assertThat(archive.segment(), is(Duration.ofHours(1)));
        assertThat(archive.directory(), is(Path.of("/data/archive")));
        assertThat(archive.azure().isPresent(), is(false));
    }

    @Test
    void archiveKeysOverrideTheDefaults() {
        Config config = Config.just(ConfigSources.create(Map.of(
                "repricer.data-dir", "/data",
                "repricer.results.local-retention", "PT20S",
                "repricer.results.local-retention-inode-share", "0.05",
                "repricer.archive.segment", "PT1S",
                "repricer.archive.directory", "/archive",
                "repricer.archive.azure.connection-string", "UseDevelopmentStorage=true",
                "repricer.archive.azure.container", "segments")));

        ArchiveConfig archive = ServiceConfig.archive(config, ServiceConfig.storage(config));

        assertThat(archive.localRetention(), is(Duration.ofSeconds(20)));
        assertThat(archive.inodeShare(), is(0.05));
        assertThat(archive.segment(), is(Duration.ofSeconds(1)));
        assertThat(archive.directory(), is(Path.of("/archive")));
        assertThat(archive.azure().orElseThrow(),
                   is(new ArchiveConfig.Azure("UseDevelopmentStorage=true", "segments")));
    }

    @Test
    void azureNeedsBothKeysAndSegmentsAtLeastOneSecond() {
        Config halfAzure = Config.just(ConfigSources.create(Map.of(
                "repricer.data-dir", "/data", "repricer.archive.azure.container", "segments")));
        Config subSecond = Config.just(ConfigSources.create(Map.of(
                "repricer.data-dir", "/data", "repricer.archive.segment", "PT0.5S")));

        IllegalArgumentException half = assertThrows(IllegalArgumentException.class,
                () -> ServiceConfig.archive(halfAzure, ServiceConfig.storage(halfAzure)));
        assertThrows(IllegalArgumentException.class,
                () -> ServiceConfig.archive(subSecond, ServiceConfig.storage(subSecond)));
        assertThat(half.getMessage(), is("repricer.archive.azure.connection-string and "
                                         + "repricer.archive.azure.container must be set together"));
    }

    /** The budget of local index copies with Azure: 1 GiB by default, in MiB, 0 allowed (none kept). */
    @Test
    void theIndexCopiesBudgetIsInMibAndNotNegative() {
        Map<String, String> azure = Map.of("repricer.data-dir", "/data",
                                           "repricer.archive.azure.connection-string", "UseDevelopmentStorage=true",
                                           "repricer.archive.azure.container", "segments");
        Config byDefault = Config.just(ConfigSources.create(azure));
        assertThat(ServiceConfig.archive(byDefault, ServiceConfig.storage(byDefault)).azure().orElseThrow()
                                .indexCopyBytes(), is(1L << 30));
        for (String mib : List.of("0", "64")) {
            Map<String, String> keys = new java.util.HashMap<>(azure);
            keys.put("repricer.archive.azure.index-copies-mib", mib);
            Config config = Config.just(ConfigSources.create(keys));
            assertThat(ServiceConfig.archive(config, ServiceConfig.storage(config)).azure().orElseThrow()
                                    .indexCopyBytes(), is(Long.parseLong(mib) << 20));
        }
        Map<String, String> negative = new java.util.HashMap<>(azure);
        negative.put("repricer.archive.azure.index-copies-mib", "-1");
        Config config = Config.just(ConfigSources.create(negative));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ServiceConfig.archive(config, ServiceConfig.storage(config)));
        assertThat(refused.getMessage(), startsWith("repricer.archive.azure.index-copies-mib must be 0 or more"));
    }

    @Test
    void theInodeShareIsMoreThanZeroAndAtMostOne() {
        for (String bad : List.of("0", "-0.1", "1.5", "NaN")) {
            Config config = Config.just(ConfigSources.create(Map.of(
                    "repricer.data-dir", "/data", "repricer.results.local-retention-inode-share", bad)));

            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> ServiceConfig.archive(config, ServiceConfig.storage(config)));
            assertThat(refused.getMessage(), startsWith("repricer.results.local-retention-inode-share must be more"
                                                        + " than 0 and at most 1"));
        }
        Config whole = Config.just(ConfigSources.create(Map.of(
                "repricer.data-dir", "/data", "repricer.results.local-retention-inode-share", "1")));
        assertThat(ServiceConfig.archive(whole, ServiceConfig.storage(whole)).inodeShare(), is(1.0));
    }

    /**
     * The embedded defaults the README documents. {@code use-nio: false} is load-bearing: on Helidon's NIO path
     * the read timeout is silently not enforced.
     */
    @Test
    void embeddedDefaultsBoundSlowClientsOnEverySocket() {
        Config server = ServiceConfig.load(Map.of()).get("server");

        for (Config listener : new Config[] {server, server.get("sockets.0"), server.get("sockets.1")}) {
            assertThat(listener.key() + " use-nio", listener.get("use-nio").asBoolean().get(), is(false));
            assertThat(listener.get("connection-options.read-timeout").as(Duration.class).get(),
                       is(Duration.ofSeconds(20)));
            assertThat(listener.get("idle-connection-timeout").as(Duration.class).get(), is(Duration.ofSeconds(30)));
            assertThat(listener.get("idle-connection-period").as(Duration.class).get(), is(Duration.ofSeconds(5)));
        }
        assertThat(ServiceConfig.bodyTimeout(ServiceConfig.load(Map.of())), is(Duration.ofSeconds(30)));
        assertThat(ServiceConfig.sendTimeout(ServiceConfig.load(Map.of())), is(Duration.ofSeconds(20)));
    }

    @Test
    void theExportSocketIsLoopbackOn9103AndItsPortComesFromRepricerExportPort() {
        Config export = ServiceConfig.load(Map.of()).get("server.sockets.1");
        Config moved = ServiceConfig.load(Map.of("REPRICER_EXPORT_PORT", "19103")).get("server.sockets.1");

        assertThat(export.get("name").asString().get(), is("export"));
        assertThat(export.get("host").asString().get(), is("127.0.0.1"));
        assertThat(export.get("port").asInt().get(), is(9103));
        assertThat(moved.get("port").asInt().get(), is(19103));
        assertThat(moved.get("host").asString().get(), is("127.0.0.1"));
    }
}
