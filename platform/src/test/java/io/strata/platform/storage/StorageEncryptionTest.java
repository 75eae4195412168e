package io.strata.platform.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.model.FailureCode;
import io.strata.platform.jobs.JobFailureException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageEncryptionTest {
    @TempDir
    Path temp;

    @Test
    void aKeyAddedToTheFileIsUsedForNewObjectsWhileOldOnesStayReadable() throws Exception {
        Path file = keyFile("k1");
        StorageEncryption encryption = StorageEncryption.fromFile("backup-worker", file, null);
        byte[] old =
                ObjectEncryption.encrypt("old".getBytes(StandardCharsets.UTF_8), encryption.forWriting("shop", null));

        Files.writeString(file, Files.readString(file) + line("k2"));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));

        Keyring rotated = encryption.forWriting("shop", null);
        assertThat(rotated.activeKey())
                .hasValueSatisfying(key -> assertThat(key.id()).isEqualTo("k2"));
        byte[] fresh = ObjectEncryption.encrypt("new".getBytes(StandardCharsets.UTF_8), rotated);
        assertThat(new String(ObjectEncryption.decrypt(old, encryption.keyring()), StandardCharsets.UTF_8))
                .isEqualTo("old");
        assertThat(new String(ObjectEncryption.decrypt(fresh, encryption.keyring()), StandardCharsets.UTF_8))
                .isEqualTo("new");
    }

    @Test
    void theSourceSettingDecides() {
        StorageEncryption keyed = StorageEncryption.of("backup-worker", Keyring.of("k1", EncryptionKey.generate("k1")));
        StorageEncryption keyless = StorageEncryption.off("backup-worker");

        assertThat(keyed.forWriting("shop", null).activeKey()).isPresent();
        assertThat(keyed.forWriting("shop", true).activeKey()).isPresent();
        assertThat(keyed.forWriting("shop", false).activeKey()).isEmpty();
        assertThat(keyless.forWriting("shop", null).activeKey()).isEmpty();
        assertThat(keyless.forWriting("shop", false).activeKey()).isEmpty();
        assertThatThrownBy(() -> keyless.forWriting("shop", true))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.ENCRYPTION_KEY_MISSING);
                    assertThat(e.getMessage()).contains("backup-worker has no encryption key");
                });
    }

    @Test
    void aKeyringFileOthersCanReadStopsTheServiceAndABrokenEditFailsJobsNotTheService() throws Exception {
        Path file = keyFile("k1");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> StorageEncryption.fromFile("restore-worker", file, null))
                .hasMessageContaining("chmod 600");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        StorageEncryption encryption = StorageEncryption.fromFile("restore-worker", file, null);
        Files.writeString(file, "k1 without a colon\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThatThrownBy(encryption::keyringForJob).isInstanceOfSatisfying(JobFailureException.class, e -> {
            assertThat(e.code()).isEqualTo(FailureCode.ENCRYPTION_KEY_MISSING);
            assertThat(e.getMessage()).contains("line 1");
        });
    }

    @Test
    void keysFromTheEnvironmentAndNoneAtAll() {
        assertThat(StorageEncryption.from("x", new EncryptionProperties(null, line("env"), null))
                        .keyring()
                        .keyIds())
                .containsExactly("env");
        assertThat(StorageEncryption.from("x", new EncryptionProperties(null, " ", null))
                        .keyring()
                        .isEmpty())
                .isTrue();
        assertThatThrownBy(() -> StorageEncryption.from("x", new EncryptionProperties(null, "nonsense", null)))
                .hasMessageContaining("STRATA_ENCRYPTION_KEYS");
        String keys = line("env");
        assertThat(new EncryptionProperties(null, keys, null).toString()).doesNotContain(keys.strip());
    }

    private Path keyFile(String id) throws Exception {
        Path file = temp.resolve("keys");
        Files.writeString(file, line(id));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static String line(String id) {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return id + ":" + Base64.getEncoder().encodeToString(key) + "\n";
    }
}
