/**
 * The results files: their names ({@link com.repricer.storage.results.ResultsFileName}), their content
 * ({@link com.repricer.storage.results.ResultsFileFormat}), the folder ({@link
 * com.repricer.storage.results.ResultsDirectory}), which file holds which sequence ({@link
 * com.repricer.storage.results.FileTable}), the thread that writes them ({@link
 * com.repricer.storage.results.ResultsWriter}) and start-up recovery ({@link
 * com.repricer.storage.results.Recovery}), which makes them whole from the log.
 */
package com.repricer.storage.results;
