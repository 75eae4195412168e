package io.strata.platform.logical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.Keyring;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ObjectUpload;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.testing.ForwardingObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects written but not yet published: visible only once published, and nothing left when dropped. */
class CompressedUploadTest {
    private static final CompressedUpload.Zstd ZSTD = new CompressedUpload.Zstd(1, 0);
    private static final byte[] CONTENT =
            "the tar of a base backup\n".repeat(1000).getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;

    @Test
    void anUnpublishedObjectIsInvisibleUntilPublishedAndItsHashIsKnownBefore() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        try (CompressedUpload.Unpublished written = CompressedUpload.writeUnpublished(
                store, "a/base.tar.zst", counting(), ZSTD, Keyring.none(), () -> {})) {
            assertThat(store.list("a/")).isEmpty();
            assertThat(written.stored().rawBytes()).isEqualTo(CONTENT.length);
            CompressedUpload.Stored stored = written.publish();
            assertThat(stored).isEqualTo(written.stored());
        }
        assertThat(store.list("a/"))
                .singleElement()
                .satisfies(info -> assertThat(info.key()).isEqualTo("a/base.tar.zst"));
        try (InputStream in = new ZstdInputStream(store.open("a/base.tar.zst"))) {
            assertThat(in.readAllBytes()).isEqualTo(CONTENT);
        }
    }

    @Test
    void anUnpublishedObjectClosedLeavesNothingBehind() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        CompressedUpload.Unpublished written =
                CompressedUpload.writeUnpublished(store, "a/base.tar.zst", counting(), ZSTD, Keyring.none(), () -> {});
        written.close();
        try (CompressedUpload.Sink sink = CompressedUpload.open(store, "a/blocks.pack.zst", ZSTD, Keyring.none())) {
            sink.stream().write(CONTENT);
            sink.finish().close();
        }
        assertThat(store.list("a/")).isEmpty();
        try (var files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile))
                    .as("no partial file either")
                    .isEmpty();
        }
    }

    /**
     * A sink's write that the store fails is the store's failure (STORAGE_ERROR, retryable), not a plain
     * IOException a caller would take for its own (the block map's temporary file, a malformed tar).
     */
    @Test
    void aSinkWriteTheStoreFailsIsAStorageError() throws Exception {
        ObjectStore failing = new ForwardingObjectStore(new LocalObjectStore(root)) {
            @Override
            public ObjectUpload create(String key) {
                return new ObjectUpload() {
                    @Override
                    public void write(int b) throws IOException {
                        throw new IOException("connection reset by the object store");
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        throw new IOException("connection reset by the object store");
                    }

                    @Override
                    protected long doComplete() {
                        return 0;
                    }

                    @Override
                    protected void doAbort() {}
                };
            }
        };
        try (CompressedUpload.Sink sink =
                CompressedUpload.open(failing, "a/blocks.pack.zst", new CompressedUpload.Zstd(1, 0), Keyring.none())) {
            assertThatThrownBy(() -> {
                        for (int i = 0; i < 64; i++) { // past zstd's own buffer
                            sink.stream().write(CONTENT);
                        }
                        sink.stream().flush();
                    })
                    .isInstanceOfSatisfying(JobFailureException.class, e -> {
                        assertThat(e.code()).isEqualTo(FailureCode.STORAGE_ERROR);
                        assertThat(e.retryable()).isTrue();
                    })
                    .hasMessageContaining("a/blocks.pack.zst")
                    .hasMessageContaining("connection reset by the object store");
        }
    }

    /**
     * Bytes that come compressed (a base backup the server compressed) are stored as they come, encrypted with
     * the active key, with the size they decompress to recorded; a write after the sink was closed (another
     * thread aborting it) fails as a storage error and leaves nothing.
     */
    @Test
    void compressedBytesAreStoredAsTheyComeAndAWriteAfterTheAbortFails() throws Exception {
        LocalObjectStore store = new LocalObjectStore(root);
        Keyring keys = Keyring.of("k", io.strata.common.crypto.EncryptionKey.generate("k"));
        byte[] compressed = com.github.luben.zstd.Zstd.compress(CONTENT, 1);
        try (CompressedUpload.Sink sink = CompressedUpload.openCompressed(store, "a/base.tar.zst", keys)) {
            sink.stream().write(compressed, 0, 10);
            sink.stream().write(compressed, 10, compressed.length - 10);
            CompressedUpload.Stored stored = sink.finish(CONTENT.length).publish();
            assertThat(stored.rawBytes()).isEqualTo(CONTENT.length);
            byte[] object = store.readAll("a/base.tar.zst");
            assertThat(stored.storedBytes()).isEqualTo(object.length);
            assertThat(stored.sha256()).isEqualTo(io.strata.common.storage.HashingOutputStream.sha256Hex(object));
            assertThat(io.strata.common.crypto.ObjectEncryption.isEncrypted(object))
                    .isTrue();
            assertThat(io.strata.common.crypto.ObjectEncryption.decrypt(object, keys))
                    .isEqualTo(compressed);
        }
        // a reading thread writes on while the job's thread aborts: the abort waits for a write in progress, and
        // the next write fails as the store's failure
        CompressedUpload.Sink aborted = CompressedUpload.openCompressed(store, "b/base.tar.zst", Keyring.none());
        java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Throwable> writer =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        while (true) {
                            aborted.stream().write(compressed);
                            writing.countDown();
                        }
                    } catch (Throwable t) {
                        return t;
                    }
                });
        writing.await();
        aborted.close();
        assertThat(writer.get(10, java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOfSatisfying(
                        JobFailureException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.STORAGE_ERROR))
                .hasMessageContaining("a write after the object was aborted");
        assertThat(store.list("b/")).isEmpty();
    }

    private static CountingInputStream counting() {
        return new CountingInputStream(new ByteArrayInputStream(CONTENT));
    }
}
