/**
 * The storage's contact with the file system: the {@link com.repricer.storage.fs.StorageFiles} seam through which
 * every written file is opened and renamed (tests inject faults there), the data directory lock, and fsync of a
 * folder ({@link com.repricer.storage.fs.Directories}) or of a whole file system ({@link
 * com.repricer.storage.fs.FileSystemSync}).
 */
package com.repricer.storage.fs;
