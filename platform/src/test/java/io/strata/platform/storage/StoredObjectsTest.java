package io.strata.platform.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.crypto.Keyring;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.storage.MalformedContentException;
import io.strata.common.storage.ReadAbandoned;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.CompressedUpload;
import io.strata.platform.logical.CountingInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a stored object back: its plain bytes reach the reader, and a damaged object is reported as
 * corrupt (CHECKSUM_MISMATCH) even when the decompressor or the reader trips over it first, while a reader
 * failing on good bytes is not blamed on the object.
 */
class StoredObjectsTest {
    private static final String KEY = "shop/backups/20261202T000000Z-abcdef/blocks.pack.zst";
    private final StorageEncryption encryption = StorageEncryption.off("test");

    @Test
    void aGoodObjectReachesTheReaderWhole(@TempDir Path root) throws IOException {
        LocalObjectStore store = new LocalObjectStore(root);
        byte[] plain = content();
        StoredObject object = write(store, plain);

        byte[][] read = new byte[1][];
        StoredObjects.Read result = StoredObjects.read(
                store,
                encryption,
                object,
                false,
                1 << 16,
                2,
                new AtomicLong(),
                "block pack",
                in -> read[0] = in.readAllBytes());

        assertThat(read[0]).isEqualTo(plain);
        assertThat(result.plainBytes()).isEqualTo(plain.length);
        assertThat(result.storedBytes()).isEqualTo(object.storedBytes());
    }

    @Test
    void aFlippedByteIsCorruptEvenWhenTheDecoderFailsFirst(@TempDir Path root) throws IOException {
        LocalObjectStore store = new LocalObjectStore(root);
        StoredObject object = write(store, content());
        byte[] stored = store.readAll(KEY);
        stored[stored.length / 2] ^= 0x20;
        store.put(KEY, stored);

        assertThatThrownBy(() -> StoredObjects.read(
                        store, encryption, object, false, 1 << 16, 2, new AtomicLong(), "block pack", in -> {
                            in.readAllBytes();
                            // zstd or the reader trips over the damage first: the hash decides what it is
                            throw new MalformedContentException("the pack is malformed");
                        }))
                .isInstanceOfSatisfying(
                        JobFailureException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.CHECKSUM_MISMATCH))
                .hasMessageContaining(KEY)
                .hasMessageContaining("corrupt");
    }

    @Test
    void aReaderFailingOnGoodBytesIsNotBlamedOnTheObject(@TempDir Path root) throws IOException {
        LocalObjectStore store = new LocalObjectStore(root);
        StoredObject object = write(store, content());

        assertThatThrownBy(() -> StoredObjects.read(
                        store, encryption, object, false, 1 << 16, 2, new AtomicLong(), "block pack", in -> {
                            throw new IOException("no space left on device");
                        }))
                .isInstanceOfSatisfying(
                        JobFailureException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.STORAGE_ERROR))
                .hasMessageContaining("no space left on device");
    }

    /**
     * Bytes that hash as the backup wrote them but that the reader finds malformed (a pack or tar written
     * wrongly, or altered together with its manifest): BACKUP_MALFORMED, not retryable (before, this was a
     * retryable STORAGE_ERROR asking to check the object store).
     */
    @Test
    void malformedContentWithTheBackupsOwnBytesIsNotRetried(@TempDir Path root) throws IOException {
        LocalObjectStore store = new LocalObjectStore(root);
        StoredObject object = write(store, content());

        assertThatThrownBy(() -> StoredObjects.read(
                        store, encryption, object, false, 1 << 16, 2, new AtomicLong(), "block pack", in -> {
                            in.readNBytes(100);
                            throw new MalformedContentException("the pack is malformed (marker 7)");
                        }))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.BACKUP_MALFORMED);
                    assertThat(e.retryable()).isFalse();
                })
                .hasMessageContaining(KEY)
                .hasMessageContaining("marker 7")
                .hasMessageContaining(object.sha256());
    }

    /** An object recorded with the right hash that is not zstd at all: BACKUP_MALFORMED, not a corrupt download. */
    @Test
    void anObjectThatDoesNotDecompressButHashesRightIsMalformed(@TempDir Path root) throws IOException {
        LocalObjectStore store = new LocalObjectStore(root);
        byte[] notZstd = content();
        store.put(KEY, notZstd);
        StoredObject object = new StoredObject(
                KEY,
                StoredObject.BLOCK_PACK,
                "zstd",
                notZstd.length,
                notZstd.length,
                io.strata.common.storage.HashingOutputStream.sha256Hex(notZstd));

        assertThatThrownBy(() -> StoredObjects.read(
                        store, encryption, object, false, 1 << 16, 2, new AtomicLong(), "block pack", in -> {
                            in.readAllBytes();
                        }))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.BACKUP_MALFORMED);
                    assertThat(e.retryable()).isFalse();
                })
                .hasMessageContaining(KEY);
    }

    /**
     * A reader that stops because the job failed elsewhere (the other half of a chain restore) ends the
     * download at once: the rest of the object is neither fetched nor hashed (before, a failed pack made the
     * restore fetch the whole base backup before it failed).
     */
    @Test
    void aReaderThatAbandonsTheReadEndsTheDownloadAtOnce(@TempDir Path root) throws IOException {
        LocalObjectStore store = new LocalObjectStore(root);
        byte[] plain = new byte[8 << 20];
        new Random(5).nextBytes(plain); // incompressible: stored about as large
        StoredObject object = write(store, plain);
        AtomicLong fetched = new AtomicLong();

        assertThatThrownBy(() -> StoredObjects.read(
                        store, encryption, object, false, 1 << 16, 2, fetched, "base backup object", in -> {
                            in.readNBytes(1000);
                            throw new ReadAbandoned("stopped: another part of the backup chain failed");
                        }))
                .isInstanceOf(JobFailureException.class)
                .hasMessageContaining("another part of the backup chain failed");
        // the stored bytes that reached the reader's side (the download's own threads stop with its close)
        assertThat(fetched.get()).as("stored bytes read").isLessThan(object.storedBytes() / 4);
    }

    @Test
    void aMissingObjectIsNotFound(@TempDir Path root) throws IOException {
        LocalObjectStore store = new LocalObjectStore(root);
        StoredObject object = new StoredObject(KEY, StoredObject.BLOCK_PACK, "zstd", 10, 10, "00");

        assertThatThrownBy(() -> StoredObjects.read(
                        store, encryption, object, false, 1 << 16, 2, new AtomicLong(), "block pack", in -> {}))
                .isInstanceOfSatisfying(
                        JobFailureException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.BACKUP_NOT_FOUND));
    }

    private static byte[] content() {
        byte[] plain = new byte[300_000];
        new Random(3).nextBytes(plain);
        return plain;
    }

    private static StoredObject write(LocalObjectStore store, byte[] plain) {
        CompressedUpload.Stored stored = CompressedUpload.write(
                store,
                KEY,
                new CountingInputStream(new ByteArrayInputStream(plain)),
                new CompressedUpload.Zstd(CompressedUpload.DEFAULT_LEVEL, 0),
                Keyring.none(),
                () -> {});
        return new StoredObject(
                KEY, StoredObject.BLOCK_PACK, "zstd", stored.rawBytes(), stored.storedBytes(), stored.sha256());
    }
}
