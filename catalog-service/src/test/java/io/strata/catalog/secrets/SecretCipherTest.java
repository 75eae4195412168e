package io.strata.catalog.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretCipherTest {
    private static final String PASSWORD = "correct horse battery staple";
    private static final EncryptionKey OLD = EncryptionKey.generate("k1");
    private static final EncryptionKey NEW = EncryptionKey.generate("k2");

    private final SecretCipher underOld = new SecretCipher(Keyring.of("k1", OLD));
    private final SecretCipher rotatedToNew = new SecretCipher(Keyring.of("k2", OLD, NEW));

    @Test
    void opensWhatItSealedForTheSameSource() {
        String stored = underOld.seal(PASSWORD, "shop");

        assertThat(stored).startsWith("v1:k1:");
        assertThat(underOld.open(stored, "shop")).isEqualTo(PASSWORD);
    }

    @Test
    void storedValueRevealsNeitherThePasswordNorItsEncoding() {
        String stored = underOld.seal(PASSWORD, "shop");
        byte[] payload = Base64.getDecoder().decode(stored.substring("v1:k1:".length()));

        assertThat(stored)
                .doesNotContain(PASSWORD)
                .doesNotContain(Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8)));
        assertThat(new String(payload, StandardCharsets.ISO_8859_1)).doesNotContain(PASSWORD);
        // 12-byte nonce + ciphertext as long as the password + 16-byte tag
        assertThat(payload).hasSize(12 + PASSWORD.length() + 16);
    }

    @Test
    void sealsTheSamePasswordDifferentlyEachTime() {
        assertThat(underOld.seal(PASSWORD, "shop")).isNotEqualTo(underOld.seal(PASSWORD, "shop"));
    }

    @Test
    void refusesAValueMovedToAnotherSourcesRow() {
        String storedForShop = underOld.seal(PASSWORD, "shop");

        assertThatThrownBy(() -> underOld.open(storedForShop, "billing"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("'billing'")
                .hasMessageContaining("key 'k1'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(storedForShop.substring(6)));
    }

    @Test
    void refusesAnAlteredValue() {
        String stored = underOld.seal(PASSWORD, "shop");
        byte[] payload = Base64.getDecoder().decode(stored.substring(6));
        payload[payload.length - 1] ^= 1;
        String altered = "v1:k1:" + Base64.getEncoder().encodeToString(payload);

        assertThatThrownBy(() -> underOld.open(altered, "shop")).isInstanceOf(SecretUnavailableException.class);
    }

    @Test
    void rotationReencryptsUnderTheActiveKeyAndOldRowsStayReadable() {
        String old = underOld.seal(PASSWORD, "shop");

        assertThat(rotatedToNew.open(old, "shop")).isEqualTo(PASSWORD);
        String rotated = rotatedToNew.reseal(old, "shop").orElseThrow();
        assertThat(rotated).startsWith("v1:k2:");
        assertThat(rotatedToNew.open(rotated, "shop")).isEqualTo(PASSWORD);
        assertThat(rotatedToNew.reseal(rotated, "shop")).isEmpty();
        // only the new key reads the rotated value
        assertThatThrownBy(() -> underOld.open(rotated, "shop"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("'k2'");
    }

    @Test
    void aMissingKeyIsNamedButTheValueIsNot() {
        String stored = rotatedToNew.seal(PASSWORD, "shop");
        SecretCipher withoutNew = new SecretCipher(Keyring.of("k1", OLD));

        assertThatThrownBy(() -> withoutNew.open(stored, "shop"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("key 'k2', which is not configured")
                .hasMessageNotContaining(stored.substring(6))
                .extracting(e -> ((SecretUnavailableException) e).keyId())
                .isEqualTo("k2");
        assertThatThrownBy(() -> withoutNew.reseal(stored, "shop")).hasMessageContaining("'k2'");
    }

    @Test
    void plaintextRowsFromBeforeEncryptionAreReadAndSealedOnReseal() {
        String legacy = "plain:" + PASSWORD;

        assertThat(underOld.isPlaintext(legacy)).isTrue();
        assertThat(underOld.open(legacy, "shop")).isEqualTo(PASSWORD);
        String sealed = underOld.reseal(legacy, "shop").orElseThrow();
        assertThat(sealed).startsWith("v1:k1:").doesNotContain(PASSWORD);
    }

    @Test
    void withoutKeysStoresPlaintextAndCannotOpenSealedValues() {
        SecretCipher none = new SecretCipher(Keyring.none());

        assertThat(none.encrypts()).isFalse();
        assertThat(none.seal(PASSWORD, "shop")).isEqualTo("plain:" + PASSWORD);
        assertThatThrownBy(() -> none.open(underOld.seal(PASSWORD, "shop"), "shop"))
                .hasMessageContaining("'k1'");
    }

    @Test
    void refusesAValueInNoKnownFormat() {
        assertThatThrownBy(() -> underOld.open("v2:whatever", "shop"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("not in a format")
                .hasMessageNotContaining("whatever");
    }

    @Test
    void toStringNamesKeyIdsOnly() {
        assertThat(rotatedToNew.toString())
                .contains("k1", "k2")
                .doesNotContain(Base64.getEncoder().encodeToString(OLD.bytes()))
                .doesNotContain(Base64.getEncoder().encodeToString(NEW.bytes()));
    }
}
