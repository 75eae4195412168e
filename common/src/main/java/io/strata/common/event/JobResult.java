package io.strata.common.event;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.strata.common.model.BackupChain;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.Lsn;
import io.strata.common.storage.BackupManifest.StoredObject;
import java.time.Instant;
import java.util.List;

/** What a succeeded job produced. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "resultType")
@JsonSubTypes({
    @JsonSubTypes.Type(value = JobResult.BackupResult.class, name = "backup"),
    @JsonSubTypes.Type(value = JobResult.RestoreResult.class, name = "restore"),
    @JsonSubTypes.Type(value = JobResult.UploadRestoreResult.class, name = "uploadRestore"),
    @JsonSubTypes.Type(value = JobResult.WalCleanupResult.class, name = "walCleanup"),
    @JsonSubTypes.Type(value = JobResult.VerifyResult.class, name = "verify"),
    @JsonSubTypes.Type(value = JobResult.DeleteResult.class, name = "delete"),
    @JsonSubTypes.Type(value = JobResult.RetentionResult.class, name = "retention"),
    @JsonSubTypes.Type(value = JobResult.DrillResult.class, name = "drill")
})
public sealed interface JobResult {

    /**
     * A backup whose manifest has been written: it exists and can be restored. {@code objectKey} and
     * {@code sha256} are of its main data object (the dump, the tar or the block pack); {@code objects} lists
     * every object of the backup, as its {@code manifest.json} does. Physical backups carry their WAL
     * positions and their {@code chain}; logical ones have neither.
     */
    record BackupResult(
            String backupId,
            BackupKind kind,
            BackupType type,
            boolean schemaOnly,
            String database,
            String serverVersion,
            long sizeBytes,
            long storedBytes,
            String sha256,
            String objectKey,
            String manifestKey,
            Instant startedAt,
            Instant finishedAt,
            String description,
            Lsn startLsn,
            Lsn endLsn,
            Integer timeline,
            BackupChain chain,
            List<StoredObject> objects)
            implements JobResult {
        public BackupResult {
            objects = objects == null ? List.of() : List.copyOf(objects);
        }
    }

    /**
     * A restore that finished: where the data now is. A point-in-time restore also says where its cluster
     * runs ({@code dataDirectory}, {@code port}), where recovery ended ({@code endLsn}, {@code timeline}),
     * and how PostgreSQL itself described the stop ({@code recoveryStop}, e.g. "recovery stopping before
     * commit of transaction 745, time 2026-11-22 15:29:02.1 UTC").
     */
    record RestoreResult(
            String backupId,
            String database,
            boolean replaced,
            String safetyBackupId,
            long restoredBytes,
            String dataDirectory,
            Integer port,
            Lsn endLsn,
            Integer timeline,
            String target,
            String recoveryStop,
            Integer walSegments)
            implements JobResult {

        /** A logical restore into a database. */
        public RestoreResult(
                String backupId, String database, boolean replaced, String safetyBackupId, long restoredBytes) {
            this(backupId, database, replaced, safetyBackupId, restoredBytes, null, null, null, null, null, null, null);
        }
    }

    /**
     * An uploaded archive restored (UPLOAD_RESTORE): the file ({@code filename}, {@code format},
     * {@code uploadedBytes}, {@code sha256} of the bytes as sent), where its data now is ({@code database}; with
     * {@code replaced}, the source database, after the safety backup {@code safetyBackupId}), the role that owns
     * what it made ({@code owner}: the one the request named, or the locked-out role it was restored as), how many
     * entries its table of contents lists ({@code entries}), and the functions it made that run with their
     * owner's rights ({@code securityDefinerFunctions}).
     */
    record UploadRestoreResult(
            String uploadId,
            String filename,
            String format,
            long uploadedBytes,
            String sha256,
            String database,
            String owner,
            boolean replaced,
            String safetyBackupId,
            int entries,
            List<String> securityDefinerFunctions)
            implements JobResult {
        public UploadRestoreResult {
            securityDefinerFunctions =
                    securityDefinerFunctions == null ? List.of() : List.copyOf(securityDefinerFunctions);
        }
    }

    /**
     * A WAL_CLEANUP that finished: what left the archive ({@code deletedSegments}, {@code deletedBytes}),
     * what stayed, and from where the archive is now unbroken ({@code oldestKeptSegment}).
     */
    record WalCleanupResult(
            int keepDays,
            Instant cutoff,
            int deletedSegments,
            long deletedBytes,
            int keptSegments,
            String oldestKeptSegment)
            implements JobResult {}

    /**
     * A VERIFY that found every object of the backup's chain present and hashing to what its manifest says:
     * the backups checked (FULL first), how many objects and stored bytes.
     */
    record VerifyResult(String backupId, List<String> chain, int objects, long storedBytes) implements JobResult {}

    /**
     * A DELETE that finished: the backups removed ({@code backupId} and, with cascade, its dependents, newest
     * first), and the objects and stored bytes removed from storage.
     */
    record DeleteResult(String backupId, List<String> deletedBackupIds, int objects, long storedBytes)
            implements JobResult {}

    /**
     * A RETENTION run that finished: the backups it deleted (newest first) with their objects and stored
     * bytes, and the archived WAL segments it deleted.
     */
    record RetentionResult(List<String> deletedBackupIds, int objects, long storedBytes, int walSegments, long walBytes)
            implements JobResult {}

    /**
     * A restore drill that ran to the end: the backup it restored ({@code kind}, and for a physical one the
     * point recovery reached, {@code recoveredTo}), how long it took, what the restored cluster held (per
     * database, and each table's rows up to {@link DrillResult#TABLE_LIMIT} tables) and each check with its
     * outcome ({@code comparison} says whether the counts were checked against ones the backup recorded). A
     * drill whose restore or checks failed has no result: its job ends FAILED, its error naming what failed.
     */
    record DrillResult(
            String backupId,
            BackupKind kind,
            String recoveredTo,
            long restoredBytes,
            long durationMillis,
            int databases,
            int tables,
            long rows,
            List<DrillDatabase> perDatabase,
            List<DrillTable> tableRows,
            boolean tableRowsTruncated,
            List<DrillCheck> checks,
            String comparison)
            implements JobResult {
        /** At most this many tables are listed one by one; the totals count them all. */
        public static final int TABLE_LIMIT = 1000;

        public DrillResult {
            perDatabase = perDatabase == null ? List.of() : List.copyOf(perDatabase);
            tableRows = tableRows == null ? List.of() : List.copyOf(tableRows);
            checks = checks == null ? List.of() : List.copyOf(checks);
        }
    }

    /** One database of a drilled cluster: its tables and their rows. */
    record DrillDatabase(String name, int tables, long rows) {}

    /** One table of a drilled cluster and its row count. */
    record DrillTable(String database, String schema, String table, long rows) {}

    /** One check of a drill: its name, whether it passed, and what it found. */
    record DrillCheck(String name, boolean passed, String detail) {}
}
