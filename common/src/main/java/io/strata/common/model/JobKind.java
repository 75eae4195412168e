package io.strata.common.model;

/** What a job does. */
public enum JobKind {
    BACKUP,
    RESTORE,
    WAL_CLEANUP,
    VERIFY,
    UPLOAD_RESTORE
}
