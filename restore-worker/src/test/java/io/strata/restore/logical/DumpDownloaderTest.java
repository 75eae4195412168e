package io.strata.restore.logical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.LocalObjectStore;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.storage.StorageEncryption;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DumpDownloaderTest {
    private static final String KEY = "shop/backups/20261122T100000Z-abcdef/dump.pgc.zst";
    private static final Keyring KEYS = Keyring.of("k1", EncryptionKey.generate("k1"));

    @TempDir
    Path temp;

    private LocalObjectStore store;
    private byte[] raw;
    private byte[] stored;

    @BeforeEach
    void setUp() throws Exception {
        store = new LocalObjectStore(temp.resolve("store"));
        raw = new byte[500_000];
        Random random = new Random(7);
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) ('a' + random.nextInt(16));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream zstd = new ZstdOutputStream(out, 3)) {
            zstd.write(raw);
        }
        stored = out.toByteArray();
    }

    @Test
    void downloadsAndDecompressesAnIntactObject() throws Exception {
        store.put(KEY, stored);
        Path target = temp.resolve("dump.pgc");
        AtomicLong read = new AtomicLong();

        long size = new DumpDownloader(store, StorageEncryption.off("test"))
                .download(object(sha256(stored)), target, read, false);

        assertThat(size).isEqualTo(raw.length);
        assertThat(Files.readAllBytes(target)).isEqualTo(raw);
        assertThat(read.get()).isEqualTo(stored.length);
    }

    @Test
    void aFlippedByteIsAChecksumMismatch() throws Exception {
        byte[] corrupt = stored.clone();
        corrupt[corrupt.length / 2] ^= 0x01;
        store.put(KEY, corrupt);

        assertThatThrownBy(() -> new DumpDownloader(store, StorageEncryption.off("test"))
                        .download(object(sha256(stored)), temp.resolve("d"), new AtomicLong(), false))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.CHECKSUM_MISMATCH);
                    assertThat(e.getMessage()).contains(sha256(stored)).contains(sha256(corrupt));
                });
    }

    @Test
    void bytesThatDecodeButHashDifferentlyAreAChecksumMismatch() throws Exception {
        store.put(KEY, stored);
        String wrong = "0".repeat(64);

        assertThatThrownBy(() -> new DumpDownloader(store, StorageEncryption.off("test"))
                        .download(object(wrong), temp.resolve("d"), new AtomicLong(), false))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.CHECKSUM_MISMATCH);
                    assertThat(e.getMessage())
                            .contains("Expected SHA-256 " + wrong)
                            .contains("got " + sha256(stored));
                });
    }

    /** Bytes the manifest's hash matches that are not zstd: written wrongly, not damaged; not retryable. */
    @Test
    void anObjectThatHashesRightButDoesNotDecompressIsMalformed() throws Exception {
        byte[] notZstd = Arrays.copyOf(raw, stored.length); // the size the manifest records, but plain bytes
        store.put(KEY, notZstd);

        assertThatThrownBy(() -> new DumpDownloader(store, StorageEncryption.off("test"))
                        .download(object(sha256(notZstd)), temp.resolve("d"), new AtomicLong(), false))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.BACKUP_MALFORMED);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains(KEY).contains("do not decompress");
                });
    }

    @Test
    void aTruncatedObjectIsAChecksumMismatch() throws Exception {
        byte[] truncated = Arrays.copyOf(stored, stored.length / 2);
        store.put(KEY, truncated);

        assertThatThrownBy(() -> new DumpDownloader(store, StorageEncryption.off("test"))
                        .download(object(sha256(stored)), temp.resolve("d"), new AtomicLong(), false))
                .isInstanceOfSatisfying(
                        JobFailureException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.CHECKSUM_MISMATCH));
    }

    @Test
    void decryptsAnEncryptedObjectWhoseStoredBytesMatchTheManifest() throws Exception {
        byte[] sealed = ObjectEncryption.encrypt(stored, KEYS);
        store.put(KEY, sealed);
        Path target = temp.resolve("dump.pgc");

        long size = new DumpDownloader(store, StorageEncryption.of("test", KEYS))
                .download(sealedObject(sealed, sha256(sealed)), target, new AtomicLong(), true);

        assertThat(size).isEqualTo(raw.length);
        assertThat(Files.readAllBytes(target)).isEqualTo(raw);
    }

    @Test
    void aSourceThatRequiresEncryptionRefusesAnObjectSwappedForAPlainOneWithAMatchingHash() throws Exception {
        store.put(KEY, stored); // plain, and the hash below matches it: only the format gives it away
        StorageEncryption keyed = StorageEncryption.of("restore-worker", KEYS);

        assertThatThrownBy(() -> new DumpDownloader(store, keyed)
                        .download(object(sha256(stored)), temp.resolve("d"), new AtomicLong(), true))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.CHECKSUM_MISMATCH);
                    assertThat(e.getMessage()).contains("stored in clear").contains("requires encryption");
                });
        assertThatThrownBy(() -> keyed.requireReadable(store, KEY, true))
                .isInstanceOfSatisfying(
                        JobFailureException.class,
                        e -> assertThat(e.getMessage()).contains("stored in clear"));
        keyed.requireReadable(store, KEY, false); // a source with the default setting accepts it
    }

    @Test
    void aFlippedByteInAnEncryptedObjectFailsAuthentication() throws Exception {
        byte[] sealed = ObjectEncryption.encrypt(stored, KEYS);
        String recorded = sha256(sealed);
        sealed[sealed.length / 2] ^= 0x01;
        store.put(KEY, sealed);

        assertThatThrownBy(() -> new DumpDownloader(store, StorageEncryption.of("test", KEYS))
                        .download(sealedObject(sealed, recorded), temp.resolve("d"), new AtomicLong(), false))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.CHECKSUM_MISMATCH);
                    assertThat(e.getMessage()).contains("AUTHENTICATION_FAILED").contains("tampered");
                });
    }

    @Test
    void anObjectEncryptedWithAKeyThisWorkerLacksNamesTheKey() throws Exception {
        byte[] sealed = ObjectEncryption.encrypt(stored, KEYS);
        store.put(KEY, sealed);
        StorageEncryption other =
                StorageEncryption.of("restore-worker", Keyring.of("k9", EncryptionKey.generate("k9")));

        assertThatThrownBy(() -> other.requireReadable(store, KEY, false))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.ENCRYPTION_KEY_MISSING);
                    assertThat(e.getMessage()).contains("'k1'").contains("restore-worker");
                });
        assertThatThrownBy(() -> StorageEncryption.off("restore-worker").requireReadable(store, KEY, false))
                .isInstanceOfSatisfying(
                        JobFailureException.class,
                        e -> assertThat(e.code()).isEqualTo(FailureCode.ENCRYPTION_KEY_MISSING));
        StorageEncryption.of("restore-worker", KEYS).requireReadable(store, KEY, false); // passes
    }

    private StoredObject sealedObject(byte[] sealed, String sha256) {
        return new StoredObject(KEY, "pg_dump-custom", "zstd", raw.length, sealed.length, sha256);
    }

    @Test
    void aMissingObjectMeansTheBackupIsGone() {
        assertThatThrownBy(() -> new DumpDownloader(store, StorageEncryption.off("test"))
                        .download(object("ab".repeat(32)), temp.resolve("d"), new AtomicLong(), false))
                .isInstanceOfSatisfying(
                        JobFailureException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.BACKUP_NOT_FOUND));
    }

    private StoredObject object(String sha256) {
        return new StoredObject(KEY, "pg_dump-custom", "zstd", raw.length, stored.length, sha256);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
