package com.repricer.bench;

import com.repricer.storage.Ledger;
import com.repricer.storage.StorageConfig;
import com.repricer.storage.StorageMetrics;

import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Heap cost of the in-memory state per product, from class histograms:
 * {@code HeapFootprint <products> <records-per-product> [<data-dir>]}.
 *
 * <ol>
 *   <li>Opens and recovers a ledger on an empty directory and takes a histogram: the fixed cost (baseline).</li>
 *   <li>Writes {@code products × records} reprices through {@link Ledger#reprice} (ids {@code p0 …}, cycling over
 *       the products like {@link HistoryLoader}), closes the ledger, opens it again and recovers: the state a
 *       restarted service holds.</li>
 *   <li>Takes a second histogram and prints, per class, the growth over the baseline divided by the number of
 *       products.</li>
 * </ol>
 * Histograms come from the {@code GC.class_histogram} diagnostic command (what {@code jcmd <pid>
 * GC.class_histogram} prints), which runs a full GC first, so only live objects count.
 */
public final class HeapFootprint {

    private static final int WRITERS = 2048;
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    private HeapFootprint() {
    }

    private record Row(long instances, long bytes) {
    }

    public static void main(String[] args) throws Exception {
        int products = Integer.parseInt(args[0]);
        int perProduct = Integer.parseInt(args[1]);
        Path work = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("repricer-heap");
        StorageConfig empty = StorageConfig.defaults(work.resolve("empty"));
        StorageConfig loaded = StorageConfig.defaults(work.resolve("loaded"));

        Map<String, Row> baseline;
        try (Ledger ledger = open(empty)) {
            baseline = histogram();
        }
        long started = System.nanoTime();
        try (Ledger ledger = open(loaded)) {
            load(ledger, products, (long) products * perProduct);
        }
        System.out.printf("loaded %d products × %d records in %.1f s%n", products, perProduct,
                          (System.nanoTime() - started) / 1e9);
        try (Ledger ledger = open(loaded)) {
            Map<String, Row> after = histogram();
            System.out.printf("heap growth over an empty ledger after a restart, %d products × %d records:%n",
                              products, perProduct);
            print(baseline, after, products);
            if (ledger.recordCount() != (long) products * perProduct) {
                throw new IllegalStateException("recovered " + ledger.recordCount() + " records");
            }
        }
        if (args.length <= 2) {
            deleteTree(work);
        }
    }

    private static Ledger open(StorageConfig config) throws IOException {
        Ledger ledger = Ledger.open(config, Clock.systemUTC(), StorageMetrics.NONE);
        ledger.recover();
        return ledger;
    }

    private static void load(Ledger ledger, int products, long records) {
        AtomicLong next = new AtomicLong();
        try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < WRITERS; w++) {
                writers.submit(() -> {
                    for (long n = next.getAndIncrement(); n < records; n = next.getAndIncrement()) {
                        ledger.reprice("p" + (n % products), BigDecimal.valueOf(n % 100_000 + 1, 2));
                    }
                    return null;
                });
            }
        }
    }

    private static Map<String, Row> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                rows.put(m.group(3), new Row(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
            }
        }
        return rows;
    }

    private static void print(Map<String, Row> baseline, Map<String, Row> after, int products) {
        System.out.println("| class | instances / product | bytes / product |");
        System.out.println("| --- | ---: | ---: |");
        long total = 0;
        var grown = after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), new Row(
                        e.getValue().instances() - baseline.getOrDefault(e.getKey(), new Row(0, 0)).instances(),
                        e.getValue().bytes() - baseline.getOrDefault(e.getKey(), new Row(0, 0)).bytes())))
                .sorted(Comparator.comparingLong((Map.Entry<String, Row> e) -> e.getValue().bytes()).reversed())
                .toList();
        for (var e : grown) {
            total += e.getValue().bytes();
            if (e.getValue().bytes() >= products / 10) { // 0.1 B a product or more
                System.out.printf("| `%s` | %.3f | %.1f |%n", e.getKey(), (double) e.getValue().instances() / products,
                                  (double) e.getValue().bytes() / products);
            }
        }
        System.out.printf("| total (all classes) | | %.1f |%n", (double) total / products);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
