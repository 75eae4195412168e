package io.strata.common.storage;

import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.List;

/**
 * {@code manifest.json}, written last: a backup without one does not exist. It lists every object of
 * the backup with its SHA-256 so a restore can prove what it reads before it touches anything.
 */
public record BackupManifest(
        int schemaVersion,
        BackupId backupId,
        String source,
        BackupKind kind,
        BackupType type,
        boolean schemaOnly,
        String database,
        String serverVersion,
        String jobId,
        String description,
        Instant startedAt,
        Instant finishedAt,
        List<StoredObject> objects,
        Lsn startLsn,
        Lsn endLsn,
        Integer timeline) {
    public static final int SCHEMA_VERSION = 1;

    /** A manifest without WAL positions (logical backups). */
    public BackupManifest(
            int schemaVersion,
            BackupId backupId,
            String source,
            BackupKind kind,
            BackupType type,
            boolean schemaOnly,
            String database,
            String serverVersion,
            String jobId,
            String description,
            Instant startedAt,
            Instant finishedAt,
            List<StoredObject> objects) {
        this(
                schemaVersion,
                backupId,
                source,
                kind,
                type,
                schemaOnly,
                database,
                serverVersion,
                jobId,
                description,
                startedAt,
                finishedAt,
                objects,
                null,
                null,
                null);
    }

    /**
     * One object of a backup. {@code sha256} and {@code storedBytes} are of the bytes as stored
     * (compressed); {@code rawBytes} is the size before compression.
     */
    public record StoredObject(
            String key, String format, String compression, long rawBytes, long storedBytes, String sha256) {}
}
