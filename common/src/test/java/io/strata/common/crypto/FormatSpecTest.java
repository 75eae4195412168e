package io.strata.common.crypto;

import static io.strata.common.crypto.EncryptedObjects.encrypt;
import static io.strata.common.crypto.EncryptedObjects.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Reads an object with nothing but the layout in {@code package-info.java} and the JDK, so the
 * documented format is the format written: another tool (or a future Strata) can rely on it.
 */
class FormatSpecTest {
    @Test
    void anIndependentReaderOfTheDocumentedLayoutRecoversThePlaintext() throws Exception {
        EncryptionKey key = EncryptionKey.generate("2026-12.primary");
        byte[] plain = randomBytes(2 * 1000 + 123, 6);

        ByteBuffer object = ByteBuffer.wrap(encrypt(plain, key, 1000));

        assertThat(readByTheSpec(object, key.bytes())).isEqualTo(plain);
    }

    private static byte[] readByTheSpec(ByteBuffer object, byte[] keyBytes) throws Exception {
        byte[] magic = new byte[8];
        object.get(magic);
        assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("STRATAE1");
        assertThat(object.get()).isEqualTo((byte) 1);
        byte[] keyId = new byte[object.get()];
        object.get(keyId);
        assertThat(new String(keyId, StandardCharsets.UTF_8)).isEqualTo("2026-12.primary");
        int chunkSize = object.getInt();
        byte[] salt = new byte[16];
        object.get(salt);
        byte[] header = Arrays.copyOf(object.array(), object.position());
        SecretKeySpec objectKey = hkdfSha256(keyBytes, salt, "STRATA-ENC v1 object key");

        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        for (long index = 0; ; index++) {
            byte flag = object.get();
            int length = object.getInt();
            assertThat(length).isLessThanOrEqualTo(chunkSize);
            byte[] nonce = new byte[12];
            object.get(nonce);
            byte[] sealed = new byte[length + 16];
            object.get(sealed);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, objectKey, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(header);
            cipher.updateAAD(ByteBuffer.allocate(9).putLong(index).put(flag).array());
            plain.write(cipher.doFinal(sealed));
            if (flag == 1) {
                assertThat(object.hasRemaining())
                        .as("bytes after the final chunk")
                        .isFalse();
                return plain.toByteArray();
            }
        }
    }

    /** RFC 5869 with one expand block, written out here rather than shared with the code under test. */
    private static SecretKeySpec hkdfSha256(byte[] ikm, byte[] salt, String info) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt, "HmacSHA256"));
        byte[] prk = mac.doFinal(ikm);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(info.getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) 1);
        return new SecretKeySpec(mac.doFinal(), "AES");
    }
}
