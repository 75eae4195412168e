package io.strata.common.crypto;

import static io.strata.common.crypto.EncryptedObjects.decrypt;
import static io.strata.common.crypto.EncryptedObjects.encrypt;
import static io.strata.common.crypto.EncryptedObjects.randomBytes;
import static io.strata.common.crypto.ObjectEncryption.DEFAULT_CHUNK_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EncryptionRoundTripTest {
    private static final EncryptionKey K1 = EncryptionKey.generate("k1");
    private static final Keyring KEYRING = Keyring.of("k1", K1);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(
            ints = {
                0,
                1,
                DEFAULT_CHUNK_SIZE - 1,
                DEFAULT_CHUNK_SIZE,
                DEFAULT_CHUNK_SIZE + 1,
                3 * DEFAULT_CHUNK_SIZE + DEFAULT_CHUNK_SIZE / 2
            })
    void decryptsToTheBytesThatWereEncrypted(int size) throws Exception {
        byte[] plain = randomBytes(size, size);

        byte[] stored = encrypt(plain, K1, DEFAULT_CHUNK_SIZE);

        assertThat(decrypt(stored, KEYRING)).isEqualTo(plain);
        assertThat(stored).hasSize((int) ObjectEncryption.encryptedLength(size, DEFAULT_CHUNK_SIZE, "k1"));
    }

    static Stream<Arguments> sizes() {
        return Stream.of(
                Arguments.of(0, 1, "k"),
                Arguments.of(1, 1, "k"),
                Arguments.of(5, 1, "k"),
                Arguments.of(0, 4096, "k1"),
                Arguments.of(4095, 4096, "k1"),
                Arguments.of(4096, 4096, "2026-12.primary"),
                Arguments.of(4097, 4096, "2026-12.primary"),
                Arguments.of(100_000, 4096, "a".repeat(32)),
                Arguments.of(3 * DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE, "k1"));
    }

    @ParameterizedTest(name = "{0} bytes in chunks of {1}, key id {2}")
    @MethodSource("sizes")
    void encryptedLengthIsTheExactStoredSize(int size, int chunkSize, String keyId) throws Exception {
        EncryptionKey key = EncryptionKey.generate(keyId);

        byte[] stored = encrypt(randomBytes(size, 7), key, chunkSize);

        assertThat((long) stored.length).isEqualTo(ObjectEncryption.encryptedLength(size, chunkSize, keyId));
        assertThat(decrypt(stored, Keyring.of(keyId, key))).hasSize(size);
    }

    @Test
    void fiftyMebibytesWrittenInOddSizedWritesDecryptIdentically() throws Exception {
        long size = 50L << 20;
        Path file = dir.resolve("object.enc");
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        try (OutputStream out =
                new EncryptingOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), K1)) {
            writeInOddSizes(out, size, written);
        }
        assertThat(Files.size(file)).isEqualTo(ObjectEncryption.encryptedLength(size, DEFAULT_CHUNK_SIZE, "k1"));

        MessageDigest read = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream in = new DecryptingInputStream(Files.newInputStream(file), KEYRING)) {
            int[] readSizes = {8191, 1, 1_048_583, 17, 65_536};
            byte[] buffer = new byte[1_048_583];
            for (int i = 0, n; (n = in.read(buffer, 0, readSizes[i++ % readSizes.length])) >= 0; ) {
                read.update(buffer, 0, n);
                total += n;
            }
        }
        assertThat(total).isEqualTo(size);
        assertThat(read.digest()).isEqualTo(written.digest());
    }

    /** Mixes single-byte writes with writes that start and end at every kind of chunk offset. */
    private static void writeInOddSizes(OutputStream out, long size, MessageDigest digest) throws Exception {
        int[] writeSizes = {1, 7, 4093, 1_048_577, 3, 65_537, 2_097_155};
        byte[] pool = randomBytes(3_000_017, 42);
        long remaining = size;
        for (int i = 0; remaining > 0; i++) {
            int n = (int) Math.min(remaining, writeSizes[i % writeSizes.length]);
            int from = (int) ((i * 7919L) % (pool.length - n));
            if (n == 1) {
                out.write(pool[from]);
            } else {
                out.write(pool, from, n);
            }
            digest.update(pool, from, n);
            remaining -= n;
        }
    }

    @Test
    void noPlaintextMarkerAppearsInTheStoredBytes() {
        String marker = "STRATA-PLAINTEXT-MARKER";
        byte[] plain = (marker + " row 1;").repeat(50_000).getBytes(StandardCharsets.UTF_8);

        byte[] stored = encrypt(plain, K1, 4096);

        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(marker);
    }

    @Test
    void encryptingTheSameBytesTwiceStoresDifferentBytes() {
        byte[] plain = randomBytes(10_000, 1);

        assertThat(encrypt(plain, K1, 4096)).isNotEqualTo(encrypt(plain, K1, 4096));
    }

    @Test
    void singleByteReadsYieldTheSameBytesAsBulkReads() throws Exception {
        byte[] plain = randomBytes(10_000, 3);
        byte[] stored = encrypt(plain, K1, 4096);

        ByteArrayOutputStream bytewise = new ByteArrayOutputStream();
        try (InputStream in = new DecryptingInputStream(new ByteArrayInputStream(stored), KEYRING)) {
            for (int b; (b = in.read()) >= 0; ) {
                bytewise.write(b);
            }
        }

        assertThat(bytewise.toByteArray()).isEqualTo(plain);
    }

    @Test
    void singleByteWritesThatFillTheLastChunkExactlyGiveTheSameObjectAsABulkWrite() throws Exception {
        byte[] plain = randomBytes(2 * 4096, 8);
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        try (OutputStream out = new EncryptingOutputStream(stored, K1, 4096)) {
            for (byte b : plain) {
                out.write(b);
            }
        }

        assertThat(stored.size()).isEqualTo((int) ObjectEncryption.encryptedLength(plain.length, 4096, "k1"));
        assertThat(decrypt(stored.toByteArray(), KEYRING)).isEqualTo(plain);
    }

    @Test
    void closingWritesAValidEmptyObjectOnceAndClosesTheWrappedStream() throws Exception {
        var closed = new boolean[1];
        ByteArrayOutputStream stored = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        EncryptingOutputStream out = new EncryptingOutputStream(stored, K1, 4096);

        out.close();
        out.close();

        assertThat(closed[0]).isTrue();
        assertThat(stored.size()).isEqualTo((int) ObjectEncryption.encryptedLength(0, 4096, "k1"));
        assertThat(decrypt(stored.toByteArray(), KEYRING)).isEmpty();
        assertThatThrownBy(() -> out.write(1)).hasMessageContaining("closed");
    }

    @Test
    void theStoredObjectNamesItsKeyInTheClear() throws Exception {
        EncryptionKey key = EncryptionKey.generate("2026-12.primary");
        byte[] stored = encrypt(randomBytes(10, 1), key, 4096);

        try (DecryptingInputStream in =
                new DecryptingInputStream(new ByteArrayInputStream(stored), Keyring.of("k1", K1, key))) {
            assertThat(in.keyId()).isEqualTo("2026-12.primary");
        }
        assertThat(new String(stored, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("STRATAE1");
    }
}
