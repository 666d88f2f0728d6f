/**
 * The write-ahead log ({@link com.repricer.storage.log.WriteAheadLog}, its format documented there) and the group
 * commit ({@link com.repricer.storage.log.GroupCommitWriter}): every record is in the log, fsync'ed, before it is
 * acknowledged, and stays there until the results file holding it is fsync'ed too.
 */
package com.repricer.storage.log;
