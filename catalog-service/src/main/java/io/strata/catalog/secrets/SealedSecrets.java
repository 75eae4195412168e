package io.strata.catalog.secrets;

/**
 * A table that keeps secrets sealed by the {@link SecretCipher} (today: source passwords). Each secret is
 * re-sealed in its own transaction, so one unreadable row never holds the others back.
 */
public interface SealedSecrets {
    /** Re-encrypts under the active key every secret that is not under it yet (plaintext ones included). */
    Rotation rotate();

    /** Encrypts the secrets still stored in plaintext (from before encryption at rest); leaves the rest. */
    Rotation sealPlaintext();
}
