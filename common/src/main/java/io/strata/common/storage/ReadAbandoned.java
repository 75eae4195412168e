package io.strata.common.storage;

import java.io.IOException;

/**
 * Thrown by a reader of a stored object that stops because another part of its job failed, not because of
 * the object: whoever downloads the object stops at once instead of fetching and hashing the rest of it to
 * judge its bytes (for a large base backup, that would be the whole download before the failure is told).
 */
public class ReadAbandoned extends IOException {
    public ReadAbandoned(String message) {
        super(message);
    }
}
