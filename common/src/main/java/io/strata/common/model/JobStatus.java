package io.strata.common.model;

/** {@code QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED}; the last three are final. */
public enum JobStatus {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
