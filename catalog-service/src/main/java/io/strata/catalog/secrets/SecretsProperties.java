package io.strata.catalog.secrets;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the keys that encrypt source passwords at rest come from.
 *
 * @param keyFile a file of {@code <keyId>:<base64 of 32 bytes>} lines, readable by the catalog's user only
 *     (mode 0600); blank lines and {@code #} comments allowed
 * @param keys the same entries inline (the {@code STRATA_CATALOG_SECRETS_KEYS} variable), separated by
 *     newlines, commas or spaces; merged with the file's
 * @param activeKeyId the key that encrypts new and rotated secrets; when left out, the last key given
 * @param allowPlaintext without any key, start anyway and store passwords unencrypted (development only)
 */
@ConfigurationProperties("strata.catalog.secrets")
public record SecretsProperties(String keyFile, String keys, String activeKeyId, boolean allowPlaintext) {

    /** Never prints inline key material. */
    @Override
    public String toString() {
        return "SecretsProperties[keyFile=" + keyFile + ", keys="
                + (keys == null || keys.isBlank() ? "none" : "(redacted)") + ", activeKeyId=" + activeKeyId
                + ", allowPlaintext=" + allowPlaintext + "]";
    }
}
