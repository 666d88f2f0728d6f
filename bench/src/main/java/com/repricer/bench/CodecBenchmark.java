package com.repricer.bench;

import com.repricer.storage.PriceRecord;
import com.repricer.storage.log.WriteAheadLog;
import com.repricer.storage.results.ResultsFileFormat;


import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Record encoding and decoding: one log entry, and one results file of 10 records. */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CodecBenchmark {

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(WriteAheadLog.maxEntryBytes());
    private PriceRecord record;
    private List<PriceRecord> file;
    private byte[] fileBytes;

    @Setup
    public void setUp() {
        record = new PriceRecord(123_456_789L, "product-4711", new BigDecimal("3.50"), new BigDecimal("4.20"),
                                 1_795_799_587_523_456_789L);
        file = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            file.add(new PriceRecord(1_000 + i, "p" + i, new BigDecimal("1.0" + i), new BigDecimal("2.0" + i),
                                     1_795_799_587_000_000_000L + i));
        }
        fileBytes = ResultsFileFormat.encode(file);
    }

    @Benchmark
    public ByteBuffer logEntryEncode() {
        buffer.clear();
        WriteAheadLog.encode(record, buffer);
        return buffer;
    }

    @Benchmark
    public byte[] resultsFileEncode10() {
        return ResultsFileFormat.encode(file);
    }

    @Benchmark
    public List<PriceRecord> resultsFileDecode10() {
        return ResultsFileFormat.decode(fileBytes, 1_000);
    }
}
