package io.strata.platform.storage;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Client-side encryption of stored objects ({@code strata.encryption}): the keyring comes from {@code
 * keys-file} (one {@code <id>:<base64 of 32 bytes>} per line, mode 0600, re-read when it changes, so a key
 * rotates without a restart) or from {@code keys} (the same text, or the keys comma-separated, for an
 * environment variable). {@code
 * active-key} names the key for new objects; empty means the last key. With neither set, objects are stored
 * in clear and encrypted ones cannot be read.
 */
@ConfigurationProperties("strata.encryption")
public record EncryptionProperties(Path keysFile, String keys, String activeKey) {

    boolean configured() {
        return keysFile != null && !keysFile.toString().isBlank() || keys != null && !keys.isBlank();
    }

    @Override
    public String toString() {
        return "EncryptionProperties[keysFile=" + keysFile + ", keys=" + (keys == null || keys.isBlank() ? "" : "***")
                + ", activeKey=" + activeKey + "]";
    }
}
