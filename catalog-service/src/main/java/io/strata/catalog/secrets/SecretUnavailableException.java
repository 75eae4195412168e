package io.strata.catalog.secrets;

/**
 * A stored secret cannot be opened: its key is not configured, or the value does not decrypt under it.
 * The message names the key id and the secret's owner, never the stored value.
 */
public class SecretUnavailableException extends RuntimeException {
    private final String keyId;

    private SecretUnavailableException(String keyId, String message) {
        super(message);
        this.keyId = keyId;
    }

    static SecretUnavailableException keyMissing(String keyId, String owner) {
        return new SecretUnavailableException(
                keyId,
                "the secret of '" + owner + "' is encrypted under key '" + keyId + "', which is not configured: add"
                        + " that key to strata.catalog.secrets.key-file or STRATA_CATALOG_SECRETS_KEYS (keep old keys"
                        + " until POST /internal/v1/secrets/rotate has re-encrypted every secret)");
    }

    static SecretUnavailableException undecryptable(String keyId, String owner) {
        return new SecretUnavailableException(
                keyId,
                "the secret of '" + owner + "' does not decrypt under key '" + keyId + "': the key configured under"
                        + " that id is not the one that encrypted it, or the value was altered or copied from another"
                        + " row; register the secret again");
    }

    static SecretUnavailableException malformed(String owner) {
        return new SecretUnavailableException(
                null, "the secret of '" + owner + "' is not in a format this catalog reads; register the secret again");
    }

    /** The key the secret is sealed under; null when the value could not even be parsed. */
    public String keyId() {
        return keyId;
    }
}
