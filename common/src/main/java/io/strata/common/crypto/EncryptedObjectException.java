package io.strata.common.crypto;

import java.io.IOException;

/**
 * An encrypted object cannot be read: it is damaged, not in a format this version reads, or needs a
 * key this service does not have. The {@link #reason()} lets callers map the failure to a stable
 * error code; the message tells an operator what to do. Neither ever contains key material.
 */
public class EncryptedObjectException extends IOException {
    /** Why the object cannot be read. */
    public enum Reason {
        /** The object does not start with the STRATA-ENC magic. */
        NOT_ENCRYPTED,
        /** A STRATA-ENC version this code does not read. */
        UNSUPPORTED_VERSION,
        /** The header's fields are out of range. */
        MALFORMED_HEADER,
        /** The object is encrypted but the keyring is {@link Keyring#none()}. */
        NO_KEY_CONFIGURED,
        /** The keyring lacks the key the object names. */
        UNKNOWN_KEY,
        /** A chunk's tag does not verify: corrupt, tampered with, or another key with the same id. */
        AUTHENTICATION_FAILED,
        /** A chunk's framing (flag or length) is impossible for a valid object. */
        CORRUPT_FRAMING,
        /** The object ends before its final chunk. */
        TRUNCATED,
        /** Bytes follow the final chunk. */
        TRAILING_DATA
    }

    private final Reason reason;

    public EncryptedObjectException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
