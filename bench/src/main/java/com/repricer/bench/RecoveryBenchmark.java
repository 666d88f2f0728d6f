package com.repricer.bench;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.fs.StorageFiles;
import com.repricer.storage.log.WriteAheadLog;


import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Recovery parse rate: reading a 100 000-entry log segment (operations = records). */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RecoveryBenchmark {

    private static final int RECORDS = 100_000;

    private Path logDirectory;

    @Setup
    public void writeSegment() throws IOException {
        logDirectory = Files.createTempDirectory("recovery-bench");
        ByteBuffer buffer = ByteBuffer.allocate(RECORDS * 64);
        BigDecimal previous = null;
        for (int i = 1; i <= RECORDS; i++) {
            BigDecimal price = BigDecimal.valueOf(i, 2);
            WriteAheadLog.encode(new PriceRecord(i, "p" + i % 1000, previous, price, 1_795_799_587_000_000_000L + i),
                                 buffer);
            previous = price;
        }
        Files.write(logDirectory.resolve(String.format("%019d%s", 1, WriteAheadLog.SUFFIX)),
                    java.util.Arrays.copyOf(buffer.array(), buffer.position()));
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public List<PriceRecord> readLogSegment() throws IOException {
        WriteAheadLog.Opened opened = WriteAheadLog.open(logDirectory, StorageFiles.DEFAULT);
        opened.log().close();
        return opened.records();
    }
}
