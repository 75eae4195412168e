package io.strata.common.model;

/** What a job does. */
public enum JobKind {
    BACKUP,
    RESTORE,
    WAL_CLEANUP,
    VERIFY,
    UPLOAD_RESTORE,
    /** Deletes a backup (and, asked with cascade, the backups that depend on it) from the catalog and storage. */
    DELETE,
    /** Applies a source's retention rules: deletes the backups and WAL they no longer keep. */
    RETENTION,
    /**
     * Restores a backup into a throw-away cluster on a restore-worker, checks it (pg_amcheck, a row count of
     * every table) and removes the cluster: proof that the backup restores.
     */
    RESTORE_DRILL
}
