package io.strata.catalog.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.crypto.Keyring;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRingLoaderTest {
    private static final String KEY_A = randomKey();
    private static final String KEY_B = randomKey();

    @TempDir
    Path dir;

    @Test
    void readsAKeyFileOnlyItsOwnerCanRead() throws Exception {
        Path file = keyFile("rw-------", "# catalog keys\nk1:" + KEY_A + "\n\nk2:" + KEY_B + "\n");

        Keyring ring = KeyRingLoader.load(new SecretsProperties(file.toString(), null, "k1", false));

        assertThat(ring.keyIds()).containsExactly("k1", "k2");
        assertThat(ring.activeKey().orElseThrow().id()).isEqualTo("k1");
    }

    @Test
    void refusesAKeyFileOthersCanReadSayingChmod600() throws Exception {
        Path file = keyFile("rw-r--r--", "k1:" + KEY_A + "\n");

        assertThatThrownBy(() -> KeyRingLoader.load(new SecretsProperties(file.toString(), null, null, false)))
                .isInstanceOf(SecretsConfigurationException.class)
                .hasMessageContaining("chmod 600 " + file)
                .hasMessageNotContaining(KEY_A);
    }

    @Test
    void refusesToStartWithoutKeysUnlessPlaintextIsAllowed() {
        assertThatThrownBy(() -> KeyRingLoader.load(new SecretsProperties("", " ", null, false)))
                .isInstanceOf(SecretsConfigurationException.class)
                .hasMessageContaining("allow-plaintext")
                .hasMessageContaining("STRATA_CATALOG_SECRETS_KEY_FILE");
        assertThat(KeyRingLoader.load(new SecretsProperties(null, null, null, true))
                        .isEmpty())
                .isTrue();
    }

    @Test
    void takesInlineKeysSeparatedByCommasAndMergesThemWithTheFile() throws Exception {
        Path file = keyFile("rw-------", "k1:" + KEY_A + "\n");

        Keyring ring = KeyRingLoader.load(
                new SecretsProperties(file.toString(), "k2:" + KEY_B + ", k3:" + KEY_A, "k2", false));

        assertThat(ring.keyIds()).containsExactly("k1", "k2", "k3");
        assertThat(ring.activeKey().orElseThrow().id()).isEqualTo("k2");
    }

    @Test
    void refusesAnActiveKeyThatIsNotConfigured() {
        assertThatThrownBy(() -> KeyRingLoader.load(new SecretsProperties(null, "k1:" + KEY_A, "k9", false)))
                .isInstanceOf(SecretsConfigurationException.class)
                .hasMessageContaining("k9");
    }

    @Test
    void malformedKeysAreReportedWithoutTheirMaterial() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);

        assertThatThrownBy(() -> KeyRingLoader.load(new SecretsProperties(null, "k1:" + shortKey, null, false)))
                .isInstanceOf(SecretsConfigurationException.class)
                .hasMessageContaining("32")
                .hasMessageNotContaining(shortKey);
    }

    @Test
    void propertiesNeverPrintInlineKeys() {
        assertThat(new SecretsProperties("/etc/strata/keys", "k1:" + KEY_A, "k1", false).toString())
                .contains("/etc/strata/keys", "(redacted)")
                .doesNotContain(KEY_A);
    }

    private Path keyFile(String mode, String content) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
