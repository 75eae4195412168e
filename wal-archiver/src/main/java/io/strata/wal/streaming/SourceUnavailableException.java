package io.strata.wal.streaming;

/** The catalog cannot tell the archiver how to reach a source it is asked to archive. */
class SourceUnavailableException extends IllegalStateException {
    SourceUnavailableException(String message) {
        super(message);
    }
}
