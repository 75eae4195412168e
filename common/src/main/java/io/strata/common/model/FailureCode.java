package io.strata.common.model;

/**
 * The stable {@code code} of a {@code JobFailed} event, for machines and dashboards; the message next to
 * it is for people.
 */
public enum FailureCode {
    /**
     * A backup request on {@code strata.backup.requests} (another service's) was refused: malformed, an
     * unknown source, a kind the source cannot take. Set by the gateway.
     */
    INVALID_REQUEST,
    /** The command asks for something this worker does not do (e.g. a physical backup). */
    UNSUPPORTED,
    /** The command names a source the catalog does not know. */
    SOURCE_NOT_FOUND,
    /** pg_dump (or the connection it needs) failed; the message carries PostgreSQL's own words. */
    PG_DUMP_FAILED,
    /** The base backup (the worker's replication session, or pg_basebackup) failed; the message carries PostgreSQL's words. */
    PG_BASEBACKUP_FAILED,
    /** A physical backup was asked of a source whose WAL is not archived: it could never be restored. */
    WAL_ARCHIVING_REQUIRED,
    /** Writing to or reading from the object store failed. */
    STORAGE_ERROR,
    /** The backup to restore has no manifest: it never completed or was deleted. */
    BACKUP_NOT_FOUND,
    /**
     * The stored backup does not hash to what its manifest says (a damaged object may first fail to
     * decompress: its hash is what decides).
     */
    CHECKSUM_MISMATCH,
    /**
     * The stored backup hashes to what its manifest says, but its content is not what Strata writes (a tar,
     * block pack or block map that does not parse, a path that leaves the data directory, a file cut short): it
     * was written wrongly, or altered together with its manifest. Not retryable: restore from another backup.
     */
    BACKUP_MALFORMED,
    /**
     * A backup to delete has DIFFERENTIAL or INCREMENTAL backups built on it; the message lists them (delete
     * with cascade to remove them too).
     */
    BACKUP_HAS_DEPENDENTS,
    /** The database a restore should create already exists. */
    TARGET_EXISTS,
    /** The restore target is not a name Strata may create. */
    INVALID_TARGET,
    /** pg_restore (or creating/renaming databases around it) failed; nothing was replaced. */
    PG_RESTORE_FAILED,
    /** The backup taken before replacing a database failed, so the database was left untouched. */
    SAFETY_BACKUP_FAILED,
    /** A point-in-time target the archive cannot reach (before the first backup, a WAL gap, beyond the end). */
    TARGET_UNREACHABLE,
    /** pg_verifybackup found the restored files differ from PostgreSQL's own backup manifest. */
    BACKUP_VERIFY_FAILED,
    /** PostgreSQL did not recover to the target and promote; the message carries its own words. */
    RECOVERY_FAILED,
    /**
     * The source did not give a session or an answer within its deadline: closed, filtered and silent ports
     * are reported alike ("cannot connect to host:port"), so job errors cannot be used to scan ports; a
     * source that stopped answering mid-stream names the step it stalled in.
     */
    SOURCE_TIMEOUT,
    /** The source's host resolves outside {@code strata.sources.allowed-networks}. */
    SOURCE_NOT_ALLOWED,
    /**
     * Stored objects cannot be encrypted or decrypted with this service's keys: the source requires
     * encryption and no key is configured, or an object names a key the keyring lacks (the message names it).
     */
    ENCRYPTION_KEY_MISSING,
    /**
     * Set by the catalog, never by a worker: an event or command of the job could not be recorded because
     * of its content (a NUL in text, unreadable JSON, a value the database refuses). The work may have
     * completed; the record is kept in the catalog's invalid-event log.
     */
    INVALID_EVENT,
    /**
     * The command on Kafka could not be read (not JSON, not a command of its topic, no job): it was parked
     * on the topic's {@code .dlt} and its job, when the record names one, ends with this code.
     */
    INVALID_COMMAND,
    /**
     * Set by the catalog: the worker running the job stopped renewing its lease (killed, cut off) and the
     * job is not safe to run again on its own; the message says what may have been left behind.
     */
    WORKER_LOST,
    /** A restore drill restored its backup, but a check of the restored cluster failed (pg_amcheck, row counts). */
    DRILL_CHECK_FAILED,
    /**
     * Stopped on request ({@code POST /api/v1/jobs/{id}/cancel}): the job ends CANCELLED, and what it wrote
     * was removed (a backup leaves no manifest and no objects; a restore drops what it created).
     */
    CANCELLED,
    /**
     * The source had running jobs this one must not overlap (a retention run would delete backups they may
     * read): nothing was changed; a retention queued by a policy is queued again once they end.
     */
    SOURCE_BUSY,
    /** Anything unforeseen; the message says what. */
    INTERNAL
}
