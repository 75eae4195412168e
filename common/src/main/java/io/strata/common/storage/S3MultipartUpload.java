package io.strata.common.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A streamed S3 write. Bytes fill a part buffer; a full part is uploaded on a background thread while
 * the next fills. Part buffers come from a pool of {@code partsInFlight + 1}, handed to the SDK without
 * copying and reused once their part is uploaded, so memory is bounded by {@code (partsInFlight + 1) x
 * partSize} and no garbage is made per part, whatever the object's size. A write smaller than one part
 * becomes a single PUT.
 */
final class S3MultipartUpload extends ObjectUpload {
    private static final Logger log = LoggerFactory.getLogger(S3MultipartUpload.class);
    private static final String CONTENT_TYPE = "application/octet-stream";

    private final S3ObjectStore store;
    private final String key;
    private final BlockingQueue<byte[]> freeBuffers;
    private final int maxBuffers;
    private final ExecutorService uploader;
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    private int allocatedBuffers;
    private byte[] buffer;
    private int filled;
    private long total;
    private String uploadId;

    S3MultipartUpload(S3ObjectStore store, String key) {
        this.store = store;
        this.key = key;
        this.maxBuffers = store.partsInFlight() + 1;
        this.freeBuffers = new ArrayBlockingQueue<>(maxBuffers);
        this.uploader = Executors.newFixedThreadPool(
                store.partsInFlight(), Thread.ofVirtual().factory());
        this.buffer = newBuffer();
    }

    @Override
    public void write(int b) throws IOException {
        if (filled == buffer.length) {
            flushPart();
        }
        buffer[filled++] = (byte) b;
        total++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (filled == buffer.length) {
                flushPart();
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            total += n;
        }
    }

    private void flushPart() throws IOException {
        if (uploadId == null) {
            uploadId = store.call(() -> store.client()
                            .createMultipartUpload(r -> r.bucket(store.bucket()).key(key)))
                    .uploadId();
        }
        failFastOnEarlierPart();
        byte[] part = buffer;
        int length = filled;
        int number = parts.size() + 1;
        parts.add(uploader.submit(() -> {
            try {
                String etag = store.call(() -> store.client()
                                .uploadPart(
                                        r -> r.bucket(store.bucket())
                                                .key(key)
                                                .uploadId(uploadId)
                                                .partNumber(number),
                                        body(part, length)))
                        .eTag();
                return CompletedPart.builder().partNumber(number).eTag(etag).build();
            } finally {
                freeBuffers.add(part);
            }
        }));
        buffer = nextBuffer();
        filled = 0;
    }

    /** A body over the buffer's first {@code length} bytes; a retry or the signer re-reads it, nothing is copied. */
    private static RequestBody body(byte[] buffer, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length, CONTENT_TYPE);
    }

    /** A free buffer; allocates while fewer than the pool size exist, else waits for an upload to finish. */
    private byte[] nextBuffer() throws IOException {
        byte[] free = freeBuffers.poll();
        if (free != null) {
            return free;
        }
        if (allocatedBuffers < maxBuffers) {
            return newBuffer();
        }
        try {
            return freeBuffers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to upload a part of " + key);
        }
    }

    private byte[] newBuffer() {
        allocatedBuffers++;
        return new byte[store.partSize()];
    }

    private void failFastOnEarlierPart() throws IOException {
        for (Future<CompletedPart> part : parts) {
            if (part.isDone()) {
                await(part);
            }
        }
    }

    @Override
    protected long doComplete() throws IOException {
        try {
            if (uploadId == null) {
                byte[] single = buffer;
                int length = filled;
                store.call(() ->
                        store.client().putObject(r -> r.bucket(store.bucket()).key(key), body(single, length)));
                return total;
            }
            if (filled > 0) {
                flushPart();
            }
            List<CompletedPart> done = new ArrayList<>(parts.size());
            for (Future<CompletedPart> part : parts) {
                done.add(await(part));
            }
            store.call(() -> store.client()
                    .completeMultipartUpload(r ->
                            r.bucket(store.bucket()).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(done))));
            return total;
        } catch (IOException | RuntimeException e) {
            doAbort();
            throw e;
        } finally {
            release();
        }
    }

    @Override
    protected void doAbort() {
        parts.forEach(p -> p.cancel(true));
        if (uploadId != null) {
            try {
                store.call(() -> store.client()
                        .abortMultipartUpload(
                                r -> r.bucket(store.bucket()).key(key).uploadId(uploadId)));
            } catch (RuntimeException e) {
                log.warn(
                        "could not abort multipart upload {} of {}; a bucket lifecycle rule will clean it",
                        uploadId,
                        key,
                        e);
            }
        }
        release();
    }

    private void release() {
        uploader.shutdownNow();
        buffer = null;
    }

    private CompletedPart await(Future<CompletedPart> part) throws IOException {
        try {
            return part.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while uploading " + key);
        } catch (ExecutionException e) {
            throw new IOException(
                    "uploading a part of " + key + " failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
