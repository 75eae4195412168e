package io.strata.common.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * A streamed S3 write. Bytes fill a part buffer; a full part is uploaded on a background thread while
 * the next fills. At most {@code partsInFlight} parts are uploading at once, so memory is bounded by
 * {@code (partsInFlight + 1) x partSize} whatever the object's size. A write smaller than one part
 * becomes a single PUT.
 */
final class S3MultipartUpload extends ObjectUpload {
    private static final Logger log = LoggerFactory.getLogger(S3MultipartUpload.class);

    private final S3ObjectStore store;
    private final String key;
    private final Semaphore slots;
    private final ExecutorService uploader;
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    private byte[] buffer;
    private int filled;
    private long total;
    private String uploadId;

    S3MultipartUpload(S3ObjectStore store, String key) {
        this.store = store;
        this.key = key;
        this.slots = new Semaphore(store.partsInFlight());
        this.uploader = Executors.newFixedThreadPool(
                store.partsInFlight(), Thread.ofVirtual().factory());
        this.buffer = new byte[store.partSize()];
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
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to upload a part of " + key);
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
                                        RequestBody.fromBytes(
                                                length == part.length ? part : java.util.Arrays.copyOf(part, length))))
                        .eTag();
                return CompletedPart.builder().partNumber(number).eTag(etag).build();
            } finally {
                slots.release();
            }
        }));
        buffer = new byte[store.partSize()];
        filled = 0;
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
                byte[] body = java.util.Arrays.copyOf(buffer, filled);
                store.call(() ->
                        store.client().putObject(r -> r.bucket(store.bucket()).key(key), RequestBody.fromBytes(body)));
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
