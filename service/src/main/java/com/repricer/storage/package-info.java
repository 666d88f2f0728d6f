/**
 * The storage: every product's last price, the durable history, its index and the results files. {@link
 * com.repricer.storage.Ledger} is the one class the service talks to; the records, settings and exceptions it
 * speaks in live beside it. The components live in sub-packages, one each:
 *
 * <ul>
 *   <li>{@code storage.log}: the write-ahead log and the group commit that fsyncs it;</li>
 *   <li>{@code storage.results}: the results files (name, format, folder, writer) and start-up recovery, which
 *       makes them whole from the log;</li>
 *   <li>{@code storage.index}: the product table and the history index, in memory;</li>
 *   <li>{@code storage.snapshot}: the index snapshot that spares a start reading every results file;</li>
 *   <li>{@code storage.archive}: archive segments and stores, and the mover that packs windows older than the local
 *       retention into them (docs/archive.md); {@code HistoryFiles} reads a results file wherever it is now;</li>
 *   <li>{@code storage.idempotency}: the idempotency window;</li>
 *   <li>{@code storage.fs}: the file system seam ({@code StorageFiles}), the data directory lock, fsync of a
 *       folder and of a whole file system.</li>
 * </ul>
 *
 * <h2>A reprice, from the stripe lock to the fsync</h2>
 * <ol>
 *   <li>{@code Ledger.reprice} checks that the id, price and key fit the formats ({@code com.repricer.rules}) and
 *       hands over to the {@code Admission} of the running {@code WritePipeline}.</li>
 *   <li>With an {@code Idempotency-Key}, the {@code IdempotencyKeys} window is asked first: a key it knows
 *       ({@code KnownKey.Durable} or {@code KnownKey.InFlight}) is answered with that record or that reprice's
 *       outcome, and nothing is written.</li>
 *   <li>{@code Admission} takes the product's stripe lock ({@code Stripes}: a fixed array of locks by id hash),
 *       refuses if the log or the results files are failing, claims the key, reads the product's accepted price
 *       ({@code ProductState}) as the previous price, offers a {@code PendingReprice} to the
 *       {@code GroupCommitWriter}'s bounded queue (full: 503), notes it as the accepted price and lets go of the
 *       lock. The caller waits for the outcome without the lock.</li>
 *   <li>The group-commit thread takes everything queued (up to a batch), gives each its sequence number and
 *       timestamp, encodes them ({@code WriteAheadLog.encode}, prices by {@code PriceCodec}), appends them to the
 *       current log segment and calls {@code WriteAheadLog.sync}: one {@code fsync} for the group. That is the
 *       commit point.</li>
 *   <li>{@code CommitOutcome.durable} then publishes each record ({@code ProductState.publish} into the
 *       {@code HistoryIndex}, the record into the {@code RecordStore}'s memory), makes its key durable, hands the
 *       records to the {@code ResultsWriter}, and only then releases the callers. A failed write or fsync goes to
 *       {@code CommitOutcome.failed} instead: the log is cut back, and under every stripe each accepted price falls
 *       back to the last durable one and every reprice in flight is refused.</li>
 *   <li>Later, on its own thread, the {@code ResultsWriter} cuts the records into results files by the
 *       {@code FileGrouping} rule, writes each whole in {@code tmp/} and renames it into {@code results/}
 *       ({@code ResultsDirectory.write}), adds it to the {@code FileTable} and drops its records from memory. Every
 *       sync interval it makes the new files durable at once ({@code FileSystemSync}: one {@code syncfs}) and
 *       trims the log behind them; every second the {@code IndexSnapshotter} appends what is newly synced to the
 *       index snapshot as a delta, and now and then folds the deltas into a new base.</li>
 * </ol>
 *
 * <h2>A query, from the page to the file bytes</h2>
 * <ol>
 *   <li>{@code Ledger.history} asks the {@code HistoryIndex} for the page's sequence numbers: a binary search by
 *       timestamp in the timestamp column (all products) or in the product's positions
 *       ({@code ProductState} is a {@code SequenceList}), then the offset by arithmetic. No lock, no disk.</li>
 *   <li>{@code RecordStore.read} finds each record in memory while its results file is not yet written; else
 *       {@code FileTable.fileOf} names the file holding the sequence (its first sequence, count and first
 *       timestamp), and the file is read and decoded once, from {@code results/} or from its archive segment
 *       ({@code HistoryFiles}, {@code ResultsDirectory.readRecords},
 *       {@code ResultsFileFormat.decode}, kept decoded in a small cache because files never change).</li>
 *   <li>{@code Ledger.latest} reads the product's last durable record straight from its {@code ProductState}
 *       (prices packed by {@code CompactPrice}, sequence and timestamp from the index).</li>
 * </ol>
 *
 * <h2>A start</h2>
 * {@code Ledger.open} takes the data directory's lock ({@code DataDirectoryLock}); {@code Ledger.recover} reads
 * the log, restores the index snapshot (base and deltas, streamed straight into the index) if it matches
 * {@code results/}, lets {@code Recovery} read the files after it and check them against the log, then starts
 * the {@code WritePipeline}, whose {@code ResultsWriter} first writes what a crash left unfinished (the files in
 * the log's range, and logged records without a file; served from memory until then). The start returns once
 * that is done, or has failed: a start on a full disk serves reads, not ready, until the writer succeeds. A clean
 * close empties the log: records in it at a start mean a crash.
 * {@code Ledger.close} closes the pipeline: admission first, then the group commit, the results writer (the open
 * window is written) and a last index snapshot, within the shutdown budget.
 */
package com.repricer.storage;
