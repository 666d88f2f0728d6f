/**
 * The index snapshot: the in-memory index of the records in fsync'ed results files, persisted so that a start
 * need not parse those files ({@link com.repricer.storage.snapshot.IndexSnapshot} owns the format,
 * {@link com.repricer.storage.snapshot.IndexSnapshotStore} the file, {@link
 * com.repricer.storage.snapshot.IndexSnapshotter} the when).
 */
package com.repricer.storage.snapshot;
