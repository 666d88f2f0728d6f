/**
 * The index snapshot: the in-memory index of the records in fsync'ed results files, persisted as a base and its
 * deltas so that a start need not parse those files ({@link com.repricer.storage.snapshot.IndexSnapshot} owns the
 * format and the streaming restore, {@link com.repricer.storage.snapshot.SnapshotInput} the buffered reading,
 * {@link com.repricer.storage.snapshot.IndexSnapshotStore} the files, {@link
 * com.repricer.storage.snapshot.IndexSnapshotter} the when).
 */
package com.repricer.storage.snapshot;
