package io.strata.wal.streaming;

/** A slot with the archiver's name exists but is not one the archiver can use. */
class SlotConflictException extends IllegalStateException {
    SlotConflictException(String message) {
        super(message);
    }
}
