package io.strata.common.crypto;

import static io.strata.common.crypto.EncryptedObjectException.Reason.AUTHENTICATION_FAILED;
import static io.strata.common.crypto.EncryptedObjectException.Reason.MALFORMED_HEADER;
import static io.strata.common.crypto.EncryptedObjectException.Reason.NOT_ENCRYPTED;
import static io.strata.common.crypto.EncryptedObjectException.Reason.TRAILING_DATA;
import static io.strata.common.crypto.EncryptedObjectException.Reason.TRUNCATED;
import static io.strata.common.crypto.EncryptedObjectException.Reason.UNKNOWN_KEY;
import static io.strata.common.crypto.EncryptedObjectException.Reason.UNSUPPORTED_VERSION;
import static io.strata.common.crypto.EncryptedObjects.bytesReleasedBeforeFailure;
import static io.strata.common.crypto.EncryptedObjects.chunkOffset;
import static io.strata.common.crypto.EncryptedObjects.decrypt;
import static io.strata.common.crypto.EncryptedObjects.encrypt;
import static io.strata.common.crypto.EncryptedObjects.flipped;
import static io.strata.common.crypto.EncryptedObjects.headerLength;
import static io.strata.common.crypto.EncryptedObjects.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every way an object can be damaged or swapped must stop the read, before the damaged bytes. */
class TamperDetectionTest {
    private static final int CHUNK = 4096;
    private static final EncryptionKey K1 = EncryptionKey.generate("k1");
    private static final Keyring KEYRING = Keyring.of("k1", K1);
    /** 3.5 chunks: three full ones and a half-full final chunk 3. */
    private static final byte[] PLAIN = randomBytes(3 * CHUNK + CHUNK / 2, 11);

    private final byte[] stored = encrypt(PLAIN, K1, CHUNK);

    @Test
    void theUntouchedObjectDecrypts() throws Exception {
        assertThat(decrypt(stored, KEYRING)).isEqualTo(PLAIN); // the baseline every other test breaks
    }

    @Test
    void flippingAnyHeaderByteIsDetected() {
        // A one-chunk object too: its framing stays plausible under any chunk size the header claims.
        byte[] oneChunk = encrypt(randomBytes(100, 3), K1, CHUNK);
        for (byte[] object : new byte[][] {stored, oneChunk}) {
            for (int position = 0; position < headerLength("k1"); position++) {
                byte[] damaged = flipped(object, position);
                assertThatThrownBy(() -> decrypt(damaged, KEYRING))
                        .as("flipped header byte %d of a %d-byte object", position, object.length)
                        .isInstanceOf(EncryptedObjectException.class);
            }
        }
    }

    @Test
    void rewritingTheKeyIdToAnotherIdForTheSameBytesFailsAuthentication() {
        Keyring aliases = Keyring.of("k1", K1, new EncryptionKey("k2", K1.bytes()));
        byte[] renamed = stored.clone();
        renamed[11] = '2'; // "k1" -> "k2" in the header

        assertThatThrownBy(() -> decrypt(renamed, aliases))
                .isInstanceOf(EncryptedObjectException.class)
                .hasMessageContaining("failed authentication at chunk 0");
    }

    @Test
    void flippingAnySingleByteOfAnObjectIsDetected() throws Exception {
        byte[] small = encrypt(randomBytes(160, 5), K1, 64); // header, two full chunks, a half-full final one

        for (int position = 0; position < small.length; position++) {
            byte[] damaged = flipped(small, position);
            assertThatThrownBy(() -> decrypt(damaged, KEYRING))
                    .as("flipped byte %d of %d", position, small.length)
                    .isInstanceOf(EncryptedObjectException.class);
        }
    }

    @Test
    void flippedByteInAMiddleChunkFailsAtThatChunkAfterReleasingOnlyTheChunksBefore() throws Exception {
        byte[] damaged = flipped(stored, chunkOffset("k1", CHUNK, 1) + 100);

        assertFailure(damaged, AUTHENTICATION_FAILED)
                .hasMessageContaining("failed authentication at chunk 1")
                .hasMessageContaining("key 'k1' is not the key it was written with");
        assertThat(bytesReleasedBeforeFailure(damaged, KEYRING)).isEqualTo(CHUNK);
    }

    @Test
    void flippedByteInTheLastTagFailsWithoutReleasingTheLastChunk() throws Exception {
        byte[] damaged = flipped(stored, stored.length - 1);

        assertFailure(damaged, AUTHENTICATION_FAILED).hasMessageContaining("at chunk 3");
        assertThat(bytesReleasedBeforeFailure(damaged, KEYRING)).isEqualTo(3 * CHUNK);
    }

    @ParameterizedTest(name = "keeping {0} chunks")
    @ValueSource(ints = {0, 1, 2, 3})
    void truncationAtAChunkBoundaryIsReportedAsTruncation(int chunks) {
        byte[] truncated = Arrays.copyOf(stored, chunkOffset("k1", CHUNK, chunks));

        assertFailure(truncated, TRUNCATED).hasMessageContaining("ends before its final chunk");
    }

    @ParameterizedTest(name = "cut {0} bytes short")
    @ValueSource(ints = {1, 16, 100, CHUNK / 2 + 16})
    void truncationInsideTheFinalChunkIsReportedAsTruncation(int missing) {
        byte[] truncated = Arrays.copyOf(stored, stored.length - missing);

        assertFailure(truncated, TRUNCATED).hasMessageContaining("ends before its final chunk");
    }

    @Test
    void truncationInsideAMiddleChunkIsReportedAsTruncation() {
        byte[] truncated = Arrays.copyOf(stored, chunkOffset("k1", CHUNK, 2) + CHUNK / 2);

        assertFailure(truncated, TRUNCATED).hasMessageContaining("inside chunk 2");
    }

    @Test
    void truncationInsideTheHeaderIsReportedAsTruncation() {
        assertFailure(Arrays.copyOf(stored, headerLength("k1") - 1), TRUNCATED);
    }

    @Test
    void swappingTwoChunksFailsAuthentication() {
        byte[] swapped = stored.clone();
        int first = chunkOffset("k1", CHUNK, 0);
        int second = chunkOffset("k1", CHUNK, 1);
        int length = CHUNK + EncryptedObjects.CHUNK_OVERHEAD;
        System.arraycopy(stored, second, swapped, first, length);
        System.arraycopy(stored, first, swapped, second, length);

        assertFailure(swapped, AUTHENTICATION_FAILED).hasMessageContaining("at chunk 0");
    }

    @Test
    void duplicatingAChunkFailsAuthentication() {
        int chunk1 = chunkOffset("k1", CHUNK, 1);
        int chunk2 = chunkOffset("k1", CHUNK, 2);
        byte[] duplicated = concat(
                Arrays.copyOf(stored, chunk2),
                Arrays.copyOfRange(stored, chunk1, chunk2),
                Arrays.copyOfRange(stored, chunk2, stored.length));

        assertFailure(duplicated, AUTHENTICATION_FAILED).hasMessageContaining("at chunk 2");
    }

    @Test
    void markingAnEarlierChunkFinalToCutTheObjectShortFailsAuthentication() {
        byte[] cut = Arrays.copyOf(stored, chunkOffset("k1", CHUNK, 2));
        cut[chunkOffset("k1", CHUNK, 1)] = 1; // the final flag of chunk 1

        assertFailure(cut, AUTHENTICATION_FAILED).hasMessageContaining("at chunk 1");
    }

    @Test
    void appendedGarbageIsReportedAsTrailingDataBeforeTheFinalChunkIsReleased() throws Exception {
        byte[] appended = concat(stored, "garbage".getBytes());

        assertFailure(appended, TRAILING_DATA).hasMessageContaining("after its final chunk");
        assertThat(bytesReleasedBeforeFailure(appended, KEYRING)).isEqualTo(3 * CHUNK);
    }

    @Test
    void aSecondObjectAppendedIsReportedAsTrailingData() {
        assertFailure(concat(stored, encrypt(PLAIN, K1, CHUNK)), TRAILING_DATA);
    }

    @Test
    void anUnknownKeyIdFailsNamingTheKey() {
        Keyring other = Keyring.of("k2", EncryptionKey.generate("k2"));

        assertThatThrownBy(() -> decrypt(stored, other))
                .isInstanceOf(EncryptedObjectException.class)
                .hasMessage("object was encrypted with key 'k1', which this service does not have: add it to"
                        + " strata.encryption.keys (keys rotate: keep old keys to read old objects)")
                .extracting(e -> ((EncryptedObjectException) e).reason())
                .isEqualTo(UNKNOWN_KEY);
    }

    @Test
    void theSameKeyIdWithOtherBytesFailsAtTheFirstChunk() throws Exception {
        Keyring impostor = Keyring.of("k1", EncryptionKey.generate("k1"));

        assertThatThrownBy(() -> decrypt(stored, impostor))
                .isInstanceOf(EncryptedObjectException.class)
                .hasMessageContaining("failed authentication at chunk 0")
                .hasMessageContaining("key 'k1' is not the key it was written with");
        assertThat(bytesReleasedBeforeFailure(stored, impostor)).isZero();
    }

    @Test
    void anUnsupportedVersionIsReportedWithItsNumber() {
        byte[] future = stored.clone();
        future[8] = 2;

        assertFailure(future, UNSUPPORTED_VERSION).hasMessageContaining("version 2");
    }

    @Test
    void aBadMagicIsReportedAsNotEncrypted() {
        assertFailure(flipped(stored, 0), NOT_ENCRYPTED).hasMessageContaining("STRATAE1");
    }

    @Test
    void aForgedHugeChunkSizeIsRejectedBeforeAnythingIsAllocated() {
        byte[] forged = stored.clone();
        ByteBuffer.wrap(forged).putInt(headerLength("k1") - 20, Integer.MAX_VALUE);

        assertFailure(forged, MALFORMED_HEADER).hasMessageContaining("chunk size");
    }

    @Test
    void readingOnAfterAFailureKeepsFailing() throws Exception {
        byte[] damaged = flipped(stored, chunkOffset("k1", CHUNK, 1) + 100);
        try (InputStream in = new DecryptingInputStream(new ByteArrayInputStream(damaged), KEYRING)) {
            assertThat(in.readNBytes(CHUNK)).isEqualTo(Arrays.copyOf(PLAIN, CHUNK));
            for (int attempt = 0; attempt < 3; attempt++) {
                assertThatThrownBy(() -> in.read(new byte[10])).isInstanceOf(EncryptedObjectException.class);
            }
        }
    }

    private static AbstractThrowableAssert<?, ?> assertFailure(
            byte[] object, EncryptedObjectException.Reason expected) {
        try {
            byte[] plain = decrypt(object, KEYRING);
            return fail("expected %s but decrypted %d bytes", expected, plain.length);
        } catch (EncryptedObjectException e) {
            assertThat(e.reason()).as(e.getMessage()).isEqualTo(expected);
            return assertThat(e);
        } catch (Exception e) {
            return fail("expected an EncryptedObjectException (" + expected + ")", e);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer all =
                ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }
}
