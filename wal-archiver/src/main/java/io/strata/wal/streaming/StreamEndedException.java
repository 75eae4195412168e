package io.strata.wal.streaming;

/** The server closed the replication stream: its timeline ended (a promotion) or it shut down. */
class StreamEndedException extends IllegalStateException {
    StreamEndedException(String message) {
        super(message);
    }
}
