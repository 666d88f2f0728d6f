package com.repricer.storage.archive;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlobUploadFromFileOptions;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Segments as block blobs in one Azure Blob Storage container ({@code repricer.archive.azure.connection-string},
 * {@code repricer.archive.azure.container}), named {@code <name>.idx} and {@code <name>.tar.gz}; the container is
 * created on the first store if it does not exist.
 *
 * <p>{@link #store} uploads the index, then the data (the commit point), each with its MD5 as the blob's
 * {@code Content-MD5}; after each upload it downloads the blob again and compares length and MD5 with the local
 * file. Only then is the segment reported durable: a blob that the service acknowledged but cannot give back
 * whole does not count. Reads are ranged downloads ({@link ByteSource}): the index's header and table entries,
 * then the one gzip member that holds a file.
 *
 * <p>Transport: the JDK's HTTP client ({@code azure-core-http-jdk-httpclient}), not Netty, for a leaner image.
 * Every SDK failure (service errors, connection refused, timeouts after the SDK's retries) is rethrown as an
 * {@link IOException} naming the container and the blob.
 */
public final class AzureBlobArchiveStore implements ArchiveStore {

    private static final int MAX_TRIES = 3;
    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(200);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(5);
    private static final int READ_BACK_BUFFER = 1 << 16;

    private final BlobContainerClient container;
    private final Duration timeout;
    private volatile boolean containerExists;
    /**
     * Blob lengths seen in a listing, an upload or a read of the properties, so that opening a part needs no
     * request of its own: only this service writes the container, and it updates the entry with every upload.
     */
    private final Map<String, Long> knownSizes = new ConcurrentHashMap<>();

    private AzureBlobArchiveStore(BlobContainerClient container, Duration timeout) {
        this.container = container;
        this.timeout = timeout;
    }

    /**
     * A store in {@code containerName} of the account the connection string names. Does not contact the service:
     * a store that is down at start fails the first operation, not the start.
     *
     * @param timeout how long one operation may take, retries included (an upload of a whole segment too)
     */
    public static AzureBlobArchiveStore connect(String connectionString, String containerName, Duration timeout) {
        int tryTimeoutSeconds = (int) Math.max(1, timeout.toSeconds() / MAX_TRIES);
        BlobContainerClient container = new BlobServiceClientBuilder()
                .connectionString(connectionString)
                .httpClient(new JdkHttpClientBuilder().connectionTimeout(Duration.ofSeconds(Math.min(10, tryTimeoutSeconds))).build())
                .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, MAX_TRIES, tryTimeoutSeconds,
                                                      FIRST_RETRY_DELAY.toMillis(), MAX_RETRY_DELAY.toMillis(), null))
                .buildClient()
                .getBlobContainerClient(containerName);
        return new AzureBlobArchiveStore(container, timeout);
    }

    @Override
    public void store(SegmentName name, Path data, Path index) throws IOException {
        if (!containerExists) {
            call("create the container", () -> container.createIfNotExists());
            containerExists = true;
        }
        upload(index, name.indexName());
        upload(data, name.dataName()); // the commit point
    }

    private void upload(Path file, String blobName) throws IOException {
        byte[] md5 = md5(file);
        long length = Files.size(file);
        BlobClient blob = container.getBlobClient(blobName);
        call("upload " + blobName, () -> blob.uploadFromFileWithResponse(
                new BlobUploadFromFileOptions(file.toString()).setHeaders(new BlobHttpHeaders().setContentMd5(md5)),
                timeout, Context.NONE));
        // Read it back: the blob counts as durable only if the service gives back exactly what was sent.
        MessageDigest digest = newMd5();
        CountingOutputStream counted = new CountingOutputStream();
        call("read back " + blobName, () -> blob.downloadStreamWithResponse(new DigestOutputStream(counted, digest),
                null, null, null, false, timeout, Context.NONE));
        byte[] readBack = digest.digest();
        if (counted.count != length || !Arrays.equals(readBack, md5)) {
            throw new CorruptSegmentException("Blob " + blobName + " in " + describe() + " does not read back as uploaded: "
                                              + counted.count + " bytes with MD5 " + HexFormat.of().formatHex(readBack)
                                              + ", uploaded " + length + " bytes with MD5 " + HexFormat.of().formatHex(md5));
        }
        knownSizes.put(blobName, length);
    }

    @Override
    public List<SegmentName> list() throws IOException {
        return SegmentName.complete(listSizes().keySet());
    }

    @Override
    public List<Stored> listWithSizes() throws IOException {
        Map<String, Long> sizes = listSizes();
        List<Stored> stored = new ArrayList<>();
        for (SegmentName segment : SegmentName.complete(sizes.keySet())) {
            stored.add(new Stored(segment, sizes.get(segment.dataName()) + sizes.get(segment.indexName())));
        }
        return stored;
    }

    /** Every blob's name and length, from one listing (remembered for {@link #openPart}). */
    private Map<String, Long> listSizes() throws IOException {
        Map<String, Long> sizes = new HashMap<>();
        call("list the blobs", () -> {
            try {
                for (BlobItem item : container.listBlobs(null, timeout)) {
                    sizes.put(item.getName(), item.getProperties().getContentLength());
                }
            } catch (BlobStorageException e) {
                if (!BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode())) {
                    throw e;
                }
                // nothing stored yet: the container is created by the first store
            }
            return null;
        });
        knownSizes.putAll(sizes);
        return sizes;
    }

    @Override
    public ByteSource openPart(String blobName) throws IOException {
        BlobClient blob = container.getBlobClient(blobName);
        Long known = knownSizes.get(blobName);
        if (known != null) {
            return new BlobSource(blob, blobName, known);
        }
        long size;
        try {
            size = call("read the properties of " + blobName,
                        () -> blob.getPropertiesWithResponse(null, timeout, Context.NONE).getValue().getBlobSize());
        } catch (IOException e) {
            if (e.getCause() instanceof BlobStorageException storage && storage.getStatusCode() == 404) {
                throw new NoSuchFileException(blobName, null, "no such blob in " + describe());
            }
            throw e;
        }
        knownSizes.put(blobName, size);
        return new BlobSource(blob, blobName, size);
    }

    @Override
    public void delete(SegmentName name) throws IOException {
        for (String blobName : List.of(name.dataName(), name.indexName())) {
            knownSizes.remove(blobName);
            call("delete " + blobName, () -> container.getBlobClient(blobName)
                                                      .deleteIfExistsWithResponse(null, null, timeout, Context.NONE));
        }
    }

    @Override
    public String describe() {
        return container.getBlobContainerUrl();
    }

    /** Runs one SDK call; its unchecked failures become an IOException naming what was being done. */
    private <T> T call(String what, SdkCall<T> call) throws IOException {
        try {
            return call.run();
        } catch (RuntimeException e) {
            throw new IOException("Azure Blob Storage " + describe() + ": could not " + what + ": " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface SdkCall<T> {
        T run();
    }

    private static byte[] md5(Path file) throws IOException {
        MessageDigest digest = newMd5();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[READ_BACK_BUFFER];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
        }
        return digest.digest();
    }

    private static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5"); // what Azure Blob Storage keeps as Content-MD5
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }

    private static final class CountingOutputStream extends OutputStream {

        private long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            count += length;
        }
    }

    /** One blob, read by ranged downloads. */
    private final class BlobSource implements ByteSource {

        private final BlobClient blob;
        private final String blobName;
        private final long size;

        BlobSource(BlobClient blob, String blobName, long size) {
            this.blob = blob;
            this.blobName = blobName;
            this.size = size;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public byte[] read(long position, int length) throws IOException {
            if (position < 0 || length < 0 || position + length > size) {
                throw new CorruptSegmentException("Blob " + blobName + " is truncated: expected at least " + (position + length)
                                                  + " bytes, actual: " + size);
            }
            if (length == 0) {
                return new byte[0];
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(length);
            call("read " + length + " bytes at " + position + " of " + blobName,
                 () -> blob.downloadStreamWithResponse(out, new BlobRange(position, (long) length), null, null, false,
                                                       timeout, Context.NONE));
            if (out.size() != length) {
                throw new CorruptSegmentException("Blob " + blobName + " is truncated: " + out.size() + " bytes at "
                                                  + position + ", expected " + length);
            }
            return out.toByteArray();
        }
    }
}
