package io.strata.common.storage;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3 bucket through the AWS SDK v2. Streamed writes become multipart uploads with a
 * bounded number of parts in memory; every call is retried a bounded number of times with jittered
 * exponential backoff.
 */
public final class S3ObjectStore implements ObjectStore {
    private final S3Client s3;
    private final String bucket;
    private final int partSize;
    private final int partsInFlight;
    private final Retry retry;

    public S3ObjectStore(S3Client s3, String bucket, int partSize, int partsInFlight, RetryConfig retryConfig) {
        if (partSize < 5 * 1024 * 1024) {
            throw new IllegalArgumentException("S3 multipart parts must be at least 5 MiB, got " + partSize);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.partSize = partSize;
        this.partsInFlight = Math.max(1, partsInFlight);
        this.retry = Retry.of("s3-" + bucket, retryConfig);
    }

    /** 5 attempts, exponential backoff from 200 ms with 50% jitter; client errors (4xx) are not retried. */
    public static RetryConfig defaultRetry() {
        return RetryConfig.custom()
                .maxAttempts(5)
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(200), 2.0, 0.5))
                .retryOnException(S3ObjectStore::isTransient)
                .build();
    }

    static boolean isTransient(Throwable t) {
        if (t instanceof S3Exception e) {
            return e.statusCode() >= 500 || e.statusCode() == 429;
        }
        return t instanceof SdkException || t instanceof UncheckedIOException;
    }

    /** Creates the bucket when it is missing (for a dev stack or a first start). */
    public void ensureBucket() {
        try {
            call(() -> s3.headBucket(b -> b.bucket(bucket)));
        } catch (NoSuchBucketException e) {
            call(() -> s3.createBucket(b -> b.bucket(bucket)));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
            call(() -> s3.createBucket(b -> b.bucket(bucket)));
        }
    }

    @Override
    public ObjectUpload create(String key) {
        return new S3MultipartUpload(this, key);
    }

    @Override
    public void put(String key, byte[] content) throws IOException {
        call(() -> s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(content)));
    }

    /** One PUT whose body is read from {@code content} (again from the start for a retry or the SDK's signing). */
    @Override
    public void put(String key, long length, Content content) throws IOException {
        RequestBody body = RequestBody.fromContentProvider(
                () -> {
                    try {
                        return content.open();
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read the content of " + key, e);
                    }
                },
                length,
                "application/octet-stream");
        try {
            call(() -> s3.putObject(b -> b.bucket(bucket).key(key), body));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The object's body; a connection cut while it is read resumes where it broke ({@link ResumingInputStream}). */
    @Override
    public InputStream open(String key) throws IOException {
        ResponseInputStream<GetObjectResponse> first;
        try {
            first = call(() -> s3.getObject(b -> b.bucket(bucket).key(key)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchObjectException(key);
        }
        String etag = first.response().eTag();
        long length =
                first.response().contentLength() == null ? -1 : first.response().contentLength();
        return new ResumingInputStream(first, offset -> {
            if (length >= 0 && offset >= length) {
                return InputStream.nullInputStream();
            }
            try {
                return call(() -> s3.getObject(b ->
                        b.bucket(bucket).key(key).range("bytes=" + offset + "-").ifMatch(etag)));
            } catch (NoSuchKeyException e) {
                throw new NoSuchObjectException(key);
            }
        });
    }

    /**
     * A small object whole (a manifest): the GET and the read of its body are one attempt of the retry, so
     * a connection cut mid-body is retried like a failed request.
     */
    @Override
    public byte[] readAll(String key) throws IOException {
        try {
            return call(() -> {
                try (InputStream body = s3.getObject(b -> b.bucket(bucket).key(key))) {
                    return body.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (NoSuchKeyException e) {
            throw new NoSuchObjectException(key);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public InputStream openRange(String key, long offset, long length) throws IOException {
        if (length <= 0) {
            return InputStream.nullInputStream();
        }
        long last = offset + length - 1;
        ResponseInputStream<GetObjectResponse> first;
        try {
            first = call(() -> s3.getObject(b -> b.bucket(bucket).key(key).range("bytes=" + offset + "-" + last)));
        } catch (NoSuchKeyException e) {
            throw new NoSuchObjectException(key);
        }
        String etag = first.response().eTag();
        long served = first.response().contentLength() == null
                ? length
                : first.response().contentLength();
        return new ResumingInputStream(first, read -> {
            if (read >= served) {
                return InputStream.nullInputStream();
            }
            try {
                return call(() -> s3.getObject(b -> b.bucket(bucket)
                        .key(key)
                        .range("bytes=" + (offset + read) + "-" + last)
                        .ifMatch(etag)));
            } catch (NoSuchKeyException e) {
                throw new NoSuchObjectException(key);
            }
        });
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        try {
            HeadObjectResponse head =
                    call(() -> s3.headObject(b -> b.bucket(bucket).key(key)));
            return Optional.of(new ObjectInfo(key, head.contentLength()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        List<ObjectInfo> found = new ArrayList<>();
        for (S3Object object : call(() ->
                s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents())) {
            found.add(new ObjectInfo(object.key(), object.size(), object.lastModified()));
        }
        return found;
    }

    @Override
    public List<PendingUpload> pendingUploads(String prefix) throws IOException {
        List<PendingUpload> found = new ArrayList<>();
        for (MultipartUpload upload : call(
                () -> s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix))
                        .uploads())) {
            found.add(new PendingUpload(upload.key(), upload.uploadId(), upload.initiated()));
        }
        return found;
    }

    @Override
    public void abortUpload(PendingUpload upload) throws IOException {
        try {
            call(() -> s3.abortMultipartUpload(
                    b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId())));
        } catch (NoSuchUploadException e) {
            // completed or aborted meanwhile
        }
    }

    @Override
    public void delete(String key) throws IOException {
        call(() -> s3.deleteObject(b -> b.bucket(bucket).key(key)));
    }

    @Override
    public String describe() {
        return "s3://" + bucket;
    }

    S3Client client() {
        return s3;
    }

    String bucket() {
        return bucket;
    }

    int partSize() {
        return partSize;
    }

    int partsInFlight() {
        return partsInFlight;
    }

    <T> T call(Supplier<T> action) {
        return Retry.decorateSupplier(retry, action).get();
    }
}
