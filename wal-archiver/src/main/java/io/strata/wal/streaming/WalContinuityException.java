package io.strata.wal.streaming;

/** Streamed WAL did not continue where the archive stands; archiving it would leave a hole. */
class WalContinuityException extends IllegalStateException {
    WalContinuityException(String message) {
        super(message);
    }
}
