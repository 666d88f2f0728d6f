package com.repricer;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Says at start-up whether the JVM runs with the AOT cache (docs/deployment.md "The AOT cache"). The cache is a JVM
 * option ({@code -XX:AOTCache=…}) that a jar cannot set for itself; the JVM checks it and, when it is missing or was
 * written by another runtime or class path, prints its own {@code [aot]} lines and starts without it. This log line
 * is the one an operator greps for: in use, not in use (and why to look above), or not asked for while a cache lies
 * beside the jar (with the command that would use it).
 */
final class AotCacheStatus {

    /** The cache the build writes beside the jar (scripts/aot-train). */
    static final String CACHE_FILE = "repricer.aot";
    private static final Logger LOG = Logger.getLogger(AotCacheStatus.class.getName());

    private AotCacheStatus() {
    }

    static void log() {
        Optional<String> requested = requestedCache();
        // java.vm.info says "sharing" when the JVM mapped a CDS archive: with -XX:AOTCache that can only be the cache
        // (a cache the JVM rejects turns sharing off altogether).
        boolean sharing = System.getProperty("java.vm.info", "").contains("sharing");
        if (requested.isPresent()) {
            if (sharing) {
                LOG.info("AOT cache in use: " + requested.get());
            } else {
                LOG.warning("AOT cache " + requested.get() + " not in use (missing, or written by another runtime or"
                            + " class path: see the JVM's [aot] lines above); starting without it, slower for the"
                            + " first seconds");
            }
            return;
        }
        Optional<Path> jar = jar();
        Optional<Path> beside = jar.map(j -> j.resolveSibling(CACHE_FILE)).filter(Files::isRegularFile);
        if (beside.isPresent()) {
            LOG.info("AOT cache not in use: started without -XX:AOTCache; for a warm start run java -XX:AOTCache="
                     + beside.get() + " -jar " + jar.get());
        } else {
            LOG.info("AOT cache not in use: started without -XX:AOTCache");
        }
    }

    /** The value of -XX:AOTCache, if set; empty also on a JVM that has no such option (before JDK 24). */
    private static Optional<String> requestedCache() {
        try {
            String value = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                                            .getVMOption("AOTCache").getValue();
            return value.isEmpty() ? Optional.empty() : Optional.of(value);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<Path> jar() {
        CodeSource source = AotCacheStatus.class.getProtectionDomain().getCodeSource();
        if (source == null) {
            return Optional.empty();
        }
        try {
            Path location = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(location) ? Optional.of(location) : Optional.empty();   // not classes/
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
