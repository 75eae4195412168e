package io.strata.catalog.secrets;

import io.strata.common.crypto.Keyring;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Builds the catalog's key ring from the key file and/or the inline keys, in the keyring text form every
 * Strata service uses ({@link Keyring}: {@code <keyId>:<base64 of 32 bytes>} lines). Refuses a key file
 * that group or others may read, with the {@code chmod 600} to run; messages never quote key material.
 */
final class KeyRingLoader {
    private KeyRingLoader() {}

    /** The ring the properties describe; {@link Keyring#none()} only when plaintext is allowed. */
    static Keyring load(SecretsProperties properties) {
        StringBuilder text = new StringBuilder();
        if (hasText(properties.keyFile())) {
            text.append(read(Path.of(properties.keyFile().strip()))).append('\n');
        }
        if (hasText(properties.keys())) {
            // one entry per line, as in the file; commas and spaces too, since variables rarely hold newlines
            text.append(String.join("\n", properties.keys().strip().split("[,\\s]+")))
                    .append('\n');
        }
        if (text.toString().lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
            if (properties.allowPlaintext()) {
                return Keyring.none();
            }
            throw new SecretsConfigurationException("no key to encrypt source passwords with: set"
                    + " strata.catalog.secrets.key-file (STRATA_CATALOG_SECRETS_KEY_FILE) to a file of"
                    + " '<keyId>:<base64 of 32 random bytes>' lines (chmod 600), or STRATA_CATALOG_SECRETS_KEYS;"
                    + " or, for development only, strata.catalog.secrets.allow-plaintext=true");
        }
        try {
            return Keyring.parse(text.toString(), properties.activeKeyId());
        } catch (IllegalArgumentException e) {
            throw new SecretsConfigurationException("secrets keys (strata.catalog.secrets.key-file,"
                    + " STRATA_CATALOG_SECRETS_KEYS, active-key-id): " + e.getMessage());
        }
    }

    /** The key file's text, once {@link Keyring#fromFile} has checked its mode and its entries. */
    private static String read(Path file) {
        try {
            Keyring.fromFile(file);
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SecretsConfigurationException("the secrets key file " + file + " does not exist");
        } catch (IOException e) {
            throw new SecretsConfigurationException("cannot read the secrets key file " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new SecretsConfigurationException(e.getMessage());
        }
    }

    private static boolean hasText(String value) {
        return value != null && !value.isBlank();
    }
}
