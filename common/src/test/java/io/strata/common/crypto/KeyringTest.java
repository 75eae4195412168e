package io.strata.common.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KeyringTest {
    private static final byte[] K1_BYTES = EncryptedObjects.randomBytes(32, 1);
    private static final byte[] K2_BYTES = EncryptedObjects.randomBytes(32, 2);
    private static final String K1 = Base64.getEncoder().encodeToString(K1_BYTES);
    private static final String K2 = Base64.getEncoder().encodeToString(K2_BYTES);
    /** A key that must never show up in a message, whatever is wrong around it. */
    private static final String SECRET = Base64.getEncoder().encodeToString(EncryptedObjects.randomBytes(24, 3));

    @TempDir
    Path dir;

    @Test
    void parsesOneKeyPerLineSkippingCommentsAndBlankLinesWithTheLastKeyActive() {
        String text = "# rotated 2026-12-01\r\n\n  k1:" + K1 + "  \r\n# current\nk2 : " + K2 + "\n\n";

        Keyring keyring = Keyring.parse(text);

        assertThat(keyring.keyIds()).containsExactly("k1", "k2");
        assertThat(keyring.key("k1")).contains(new EncryptionKey("k1", K1_BYTES));
        assertThat(keyring.activeKey()).contains(new EncryptionKey("k2", K2_BYTES));
    }

    @Test
    void anActiveKeyNamedSeparatelyWins() {
        Keyring keyring = Keyring.parse("k1:" + K1 + "\nk2:" + K2, "k1");

        assertThat(keyring.activeKey().map(EncryptionKey::id)).contains("k1");
    }

    @Test
    void anActiveKeyThatIsNotInTheKeyringIsRejectedNamingTheKnownIds() {
        assertThatThrownBy(() -> Keyring.parse("k1:" + K1 + "\nk2:" + K2, "k3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("active key 'k3' is not in the keyring, which has [k1, k2]");
    }

    static Stream<Arguments> malformedKeyrings() {
        return Stream.of(
                Arguments.of(
                        "k1:" + K1 + "\nk2:" + SECRET,
                        "line 2: key 'k2' is 24 bytes; AES-256 needs 32: generate one with"
                                + " `head -c 32 /dev/urandom | base64`"),
                Arguments.of(SECRET + ":k1", "line 1: a key id must be 1-32 characters"),
                Arguments.of("k1 " + SECRET, "line 1: expected `<id>:<base64 of 32 bytes>` (no ':' found)"),
                Arguments.of("k1:" + SECRET + "!", "line 1: key 'k1' is not valid base64"),
                Arguments.of("k1:" + K1 + "\nk1:" + K2, "key 'k1' is defined twice"),
                Arguments.of("# only a comment\n\n", "no keys found"),
                Arguments.of("key with spaces:" + K1, "line 1: a key id must be 1-32 characters"));
    }

    @ParameterizedTest
    @MethodSource("malformedKeyrings")
    void malformedKeyringsAreRejectedWithoutEchoingKeyMaterial(String text, String expectedMessage) {
        assertThatThrownBy(() -> Keyring.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(expectedMessage)
                .satisfies(KeyringTest::containsNoKeyMaterial);
    }

    @Test
    void aKeyringFileReadableByOthersIsRefusedSayingChmod600() throws Exception {
        assumePosix();
        Path file = Files.writeString(dir.resolve("keys"), "k1:" + K1 + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> Keyring.fromFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("readable or writable by group or others")
                .hasMessageContaining("chmod 600 " + file);
    }

    @Test
    void aKeyringFileOnlyItsOwnerCanReadIsLoaded() throws Exception {
        assumePosix();
        Path file = Files.writeString(dir.resolve("keys"), "k1:" + K1 + "\nk2:" + K2 + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        assertThat(Keyring.fromFile(file, "k1").activeKey().map(EncryptionKey::id))
                .contains("k1");
    }

    @Test
    void aMalformedKeyringFileIsNamedInTheMessageWithoutItsKeys() throws Exception {
        assumePosix();
        Path file = Files.writeString(dir.resolve("keys"), "# keys\nk2:" + SECRET + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> Keyring.fromFile(file))
                .hasMessageStartingWith("keyring file " + file + ": line 2: key 'k2' is 24 bytes")
                .satisfies(KeyringTest::containsNoKeyMaterial);
    }

    @Test
    void printingKeysAndKeyringsNeverShowsKeyBytes() {
        Keyring keyring = Keyring.parse("k1:" + K1 + "\nk2:" + K2);
        EncryptionKey key = keyring.activeKey().orElseThrow();

        assertThat(key.toString() + keyring)
                .contains("k1", "k2")
                .doesNotContain(K1, K2, HexFormat.of().formatHex(K2_BYTES))
                .doesNotContain(java.util.Arrays.toString(K2_BYTES));
    }

    @Test
    void aKeyHandsOutCopiesOfItsBytes() {
        EncryptionKey key = new EncryptionKey("k1", K1_BYTES.clone());

        key.bytes()[0] ^= 1;

        assertThat(key.bytes()).isEqualTo(K1_BYTES);
    }

    @Test
    void noneHasNoKeysAndNoActiveKey() {
        assertThat(Keyring.none().isEmpty()).isTrue();
        assertThat(Keyring.none().activeKey()).isEmpty();
        assertThat(Keyring.parse("k1:" + K1).isEmpty()).isFalse();
    }

    private static void assumePosix() {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
    }

    private static void containsNoKeyMaterial(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            assertThat(String.valueOf(e.getMessage()))
                    .doesNotContain(SECRET, K1, K2)
                    .doesNotContain(SECRET.substring(0, 8), K1.substring(0, 8), K2.substring(0, 8));
        }
    }
}
