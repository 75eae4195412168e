package io.strata.common.crypto;

import static io.strata.common.crypto.EncryptedObjects.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ObjectEncryptionTest {
    private static final EncryptionKey K1 = EncryptionKey.generate("k1");
    private static final EncryptionKey K2 = EncryptionKey.generate("k2");
    private static final Keyring KEYRING = Keyring.of("k1", K1);
    private static final byte[] MANIFEST =
            "{\"schemaVersion\":1,\"backupId\":\"b1\",\"sha256\":\"ab12\"}".getBytes(StandardCharsets.UTF_8);

    static Stream<byte[]> plainObjects() {
        return Stream.of(
                new byte[0],
                "{".getBytes(StandardCharsets.US_ASCII),
                "STRATAE".getBytes(StandardCharsets.US_ASCII), // a prefix of the magic is not the magic
                "STRATAE2 but not encrypted".getBytes(StandardCharsets.US_ASCII),
                new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 1, 2, 3, 4, 5}, // a zstd frame
                MANIFEST,
                randomBytes(3 << 20, 9));
    }

    @ParameterizedTest
    @MethodSource("plainObjects")
    void plainObjectsPassThroughDecryptIfNeededUnchanged(byte[] plain) throws Exception {
        for (Keyring keyring : new Keyring[] {Keyring.none(), KEYRING}) {
            try (InputStream in = ObjectEncryption.decryptIfNeeded(new ByteArrayInputStream(plain), keyring)) {
                assertThat(in).isNotInstanceOf(DecryptingInputStream.class);
                assertThat(in.readAllBytes()).isEqualTo(plain);
            }
            assertThat(ObjectEncryption.decrypt(plain, keyring)).isEqualTo(plain);
        }
    }

    @Test
    void encryptedObjectsAreDecryptedByDecryptIfNeeded() throws Exception {
        byte[] plain = randomBytes(3 << 20, 4);
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        try (OutputStream out = ObjectEncryption.encrypt(stored, KEYRING)) {
            out.write(plain);
        }

        assertThat(ObjectEncryption.isEncrypted(stored.toByteArray())).isTrue();
        try (InputStream in =
                ObjectEncryption.decryptIfNeeded(new ByteArrayInputStream(stored.toByteArray()), KEYRING)) {
            assertThat(in.readAllBytes()).isEqualTo(plain);
        }
    }

    @Test
    void anEncryptedObjectWithNoKeyConfiguredFailsSayingAKeyMustBeConfigured() {
        byte[] stored = ObjectEncryption.encrypt(MANIFEST, KEYRING);

        assertThatThrownBy(() -> ObjectEncryption.decryptIfNeeded(new ByteArrayInputStream(stored), Keyring.none()))
                .isInstanceOf(EncryptedObjectException.class)
                .hasMessageContaining("no encryption key is configured")
                .hasMessageContaining("strata.encryption.keys")
                .hasMessageContaining("'k1'")
                .extracting(e -> ((EncryptedObjectException) e).reason())
                .isEqualTo(EncryptedObjectException.Reason.NO_KEY_CONFIGURED);
    }

    @Test
    void decryptIfNeededClosesTheStoredStreamWhenTheObjectCannotBeOpened() {
        var closed = new boolean[1];
        InputStream stored = new ByteArrayInputStream(ObjectEncryption.encrypt(MANIFEST, KEYRING)) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };

        assertThatThrownBy(() -> ObjectEncryption.decryptIfNeeded(stored, Keyring.of("k2", K2)))
                .isInstanceOf(EncryptedObjectException.class);
        assertThat(closed[0]).isTrue();
    }

    @Test
    void withoutAnActiveKeyEncryptReturnsTheStoreStreamAndTheBytesThemselves() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThat(ObjectEncryption.encrypt(out, Keyring.none())).isSameAs(out);
        assertThat(ObjectEncryption.encrypt(MANIFEST, Keyring.none())).isSameAs(MANIFEST);
    }

    @Test
    void smallObjectsRoundTripThroughTheByteArrayHelpers() throws Exception {
        byte[] stored = ObjectEncryption.encrypt(MANIFEST, KEYRING);

        assertThat(ObjectEncryption.isEncrypted(stored)).isTrue();
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("backupId");
        assertThat(stored).hasSize((int)
                ObjectEncryption.encryptedLength(MANIFEST.length, ObjectEncryption.DEFAULT_CHUNK_SIZE, "k1"));
        assertThat(ObjectEncryption.decrypt(stored, KEYRING)).isEqualTo(MANIFEST);
    }

    @Test
    void afterRotationOldObjectsStillDecryptAndNewObjectsCarryTheNewKey() throws Exception {
        byte[] old = ObjectEncryption.encrypt(MANIFEST, Keyring.of("k1", K1));
        Keyring rotated = Keyring.of("k2", K1, K2);

        byte[] fresh = ObjectEncryption.encrypt(MANIFEST, rotated);

        assertThat(ObjectEncryption.decrypt(old, rotated)).isEqualTo(MANIFEST);
        assertThat(ObjectEncryption.decrypt(fresh, rotated)).isEqualTo(MANIFEST);
        try (DecryptingInputStream in = new DecryptingInputStream(new ByteArrayInputStream(fresh), rotated)) {
            assertThat(in.keyId()).isEqualTo("k2");
        }
        assertThatThrownBy(() -> ObjectEncryption.decrypt(fresh, Keyring.of("k1", K1)))
                .hasMessageContaining("encrypted with key 'k2'");
    }

    @Test
    void isEncryptedNeedsTheWholeMagic() {
        assertThat(ObjectEncryption.isEncrypted("STRATAE1".getBytes(StandardCharsets.US_ASCII)))
                .isTrue();
        assertThat(ObjectEncryption.isEncrypted("STRATAE".getBytes(StandardCharsets.US_ASCII)))
                .isFalse();
        assertThat(ObjectEncryption.isEncrypted("STRATAE2".getBytes(StandardCharsets.US_ASCII)))
                .isFalse();
        assertThat(ObjectEncryption.isEncrypted(new byte[0])).isFalse();
    }

    @Test
    void encryptedLengthRejectsImpossibleArguments() {
        assertThatThrownBy(() -> ObjectEncryption.encryptedLength(-1, 4096, "k1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectEncryption.encryptedLength(1, 0, "k1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ObjectEncryption.encryptedLength(1, 4096, "no spaces"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The warm-up seals and opens real chunks (its own round trip must hold) and says what it did; no timing is asserted. */
    @Test
    void theWarmUpSealsAndOpensChunksAndReportsWhatItDid() {
        assertThat(ChunkCipher.warmUp(3, 512)).isEqualTo(3 * 512);
        ObjectEncryption.WarmUp warmUp = ObjectEncryption.warmUp();
        assertThat(warmUp.rounds()).isBetween(1, 20);
        assertThat(warmUp.megabytesPerSecond()).isPositive();
        assertThat(warmUp.took()).isPositive();
    }
}
