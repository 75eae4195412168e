package io.strata.catalog.backups;

import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.support.SqlTime;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.model.BackupChain;
import io.strata.common.model.BackupId;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.StorageLayout;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Writes the {@code backup} and {@code backup_object} tables as commands and job events arrive. Each
 * write tolerates the others having come first: a job's events can overtake its command.
 */
@Repository
public class BackupStore {
    private static final int MAX_OBJECTS = 1000;
    private final JdbcClient jdbc;
    private final Clock clock;

    BackupStore(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** Creates the backup QUEUED, or fills in what an earlier, vaguer registration did not know. */
    public void insertQueued(BackupSeed seed) {
        jdbc.sql("""
                        INSERT INTO backup (backup_id, source, job_id, kind, type, status, schema_only, description,
                                            created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, 'QUEUED', ?, ?, ?, ?)
                        ON CONFLICT (backup_id) DO UPDATE SET
                            kind = COALESCE(backup.kind, EXCLUDED.kind),
                            type = COALESCE(backup.type, EXCLUDED.type),
                            schema_only = COALESCE(backup.schema_only, EXCLUDED.schema_only),
                            description = COALESCE(backup.description, EXCLUDED.description),
                            job_id = COALESCE(backup.job_id, EXCLUDED.job_id),
                            updated_at = EXCLUDED.updated_at""")
                .params(
                        seed.backupId(),
                        seed.source(),
                        seed.jobId(),
                        seed.kind() == null ? null : seed.kind().name(),
                        seed.type() == null ? null : seed.type().name(),
                        seed.schemaOnly(),
                        seed.description(),
                        SqlTime.bind(seed.createdAt()),
                        SqlTime.bind(clock.instant()))
                .update();
    }

    /** QUEUED becomes RUNNING; a backup first heard of now (a worker's own child job) starts RUNNING. */
    public void markRunning(String backupId, String source, UUID jobId, Instant startedAt) {
        jdbc.sql("""
                        INSERT INTO backup (backup_id, source, job_id, status, started_at, created_at, updated_at)
                        VALUES (?, ?, ?, 'RUNNING', ?, ?, ?)
                        ON CONFLICT (backup_id) DO UPDATE SET
                            status = 'RUNNING',
                            started_at = COALESCE(backup.started_at, EXCLUDED.started_at),
                            updated_at = EXCLUDED.updated_at
                        WHERE backup.status = 'QUEUED'""")
                .params(
                        backupId,
                        source,
                        jobId,
                        SqlTime.bind(startedAt),
                        SqlTime.bind(startedAt),
                        SqlTime.bind(clock.instant()))
                .update();
    }

    /** RUNNING goes back to QUEUED: its job lost its worker and waits for another (see the lease sweeper). */
    public void markQueuedAgain(String backupId) {
        jdbc.sql("UPDATE backup SET status = 'QUEUED', updated_at = ? WHERE backup_id = ? AND status = 'RUNNING'")
                .params(SqlTime.bind(clock.instant()), backupId)
                .update();
    }

    /** The backup exists now (its manifest is written): record everything the worker reported. */
    public void recordSucceeded(String source, UUID jobId, BackupResult result) {
        BackupChain chain = result.chain();
        jdbc.sql("""
                        INSERT INTO backup (backup_id, source, job_id, kind, type, status, size_bytes, stored_bytes,
                                            sha256, database_name, schema_only, server_version, description,
                                            manifest_key, created_at, started_at, finished_at, updated_at,
                                            start_lsn, end_lsn, timeline, parent_backup_id, requested_type, type_reason,
                                            system_identifier, chain, read_bytes, changed_bytes)
                        VALUES (?, ?, ?, ?, ?, 'SUCCEEDED', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::pg_lsn, ?::pg_lsn, ?,
                                ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (backup_id) DO UPDATE SET
                            job_id = COALESCE(backup.job_id, EXCLUDED.job_id),
                            kind = EXCLUDED.kind, type = EXCLUDED.type, status = 'SUCCEEDED',
                            size_bytes = EXCLUDED.size_bytes, stored_bytes = EXCLUDED.stored_bytes,
                            sha256 = EXCLUDED.sha256, database_name = EXCLUDED.database_name,
                            schema_only = EXCLUDED.schema_only, server_version = EXCLUDED.server_version,
                            description = COALESCE(EXCLUDED.description, backup.description),
                            manifest_key = EXCLUDED.manifest_key,
                            started_at = COALESCE(EXCLUDED.started_at, backup.started_at),
                            finished_at = EXCLUDED.finished_at, error = NULL, updated_at = EXCLUDED.updated_at,
                            start_lsn = EXCLUDED.start_lsn, end_lsn = EXCLUDED.end_lsn, timeline = EXCLUDED.timeline,
                            parent_backup_id = EXCLUDED.parent_backup_id, requested_type = EXCLUDED.requested_type,
                            type_reason = EXCLUDED.type_reason, system_identifier = EXCLUDED.system_identifier,
                            chain = EXCLUDED.chain, read_bytes = EXCLUDED.read_bytes,
                            changed_bytes = EXCLUDED.changed_bytes""")
                .params(
                        result.backupId(),
                        source,
                        jobId,
                        result.kind() == null ? null : result.kind().name(),
                        result.type() == null ? null : result.type().name(),
                        result.sizeBytes(),
                        result.storedBytes(),
                        result.sha256(),
                        result.database(),
                        result.schemaOnly(),
                        result.serverVersion(),
                        result.description(),
                        result.manifestKey(),
                        SqlTime.bind(result.startedAt() != null ? result.startedAt() : result.finishedAt()),
                        SqlTime.bind(result.startedAt()),
                        SqlTime.bind(result.finishedAt()),
                        SqlTime.bind(clock.instant()),
                        SqlLsn.bind(result.startLsn()),
                        SqlLsn.bind(result.endLsn()),
                        result.timeline(),
                        chain == null ? null : chain.parentBackupId(),
                        chain == null || chain.requestedType() == null
                                ? null
                                : chain.requestedType().name(),
                        chain == null ? null : chain.typeReason(),
                        chain == null ? null : chain.systemIdentifier(),
                        chain == null || chain.backupIds().isEmpty() ? null : String.join(",", chain.backupIds()),
                        chain == null ? null : chain.readBytes(),
                        chain == null ? null : chain.changedBytes())
                .update();
        replaceObjects(source, result);
    }

    /**
     * Records every object the result lists (as the backup's manifest does); a result from before objects
     * were listed names only its data object. Only keys under the backup's own prefix are taken: a job event
     * is hostile input, and these keys are what a DELETE removes.
     */
    private void replaceObjects(String source, BackupResult result) {
        jdbc.sql("DELETE FROM backup_object WHERE backup_id = ?")
                .param(result.backupId())
                .update();
        List<StoredObject> objects = result.objects().isEmpty() && result.objectKey() != null
                ? List.of(new StoredObject(
                        result.objectKey(), null, null, result.sizeBytes(), result.storedBytes(), result.sha256()))
                : result.objects();
        String prefix = StorageLayout.backupPrefix(source, BackupId.parse(result.backupId()));
        objects.stream()
                .filter(o -> o != null
                        && o.key() != null
                        && o.key().startsWith(prefix)
                        && !o.key().contains(".."))
                .limit(MAX_OBJECTS)
                .forEach(o -> jdbc.sql(
                                "INSERT INTO backup_object (backup_id, key, size_bytes, sha256) VALUES (?, ?, ?, ?)"
                                        + " ON CONFLICT DO NOTHING")
                        .params(result.backupId(), o.key(), Math.max(0, o.storedBytes()), o.sha256())
                        .update());
    }

    /** A backup that had not finished is FAILED with its job's error; a finished one stays as it is. */
    public void markFailed(String backupId, String error, Instant finishedAt) {
        markEnded(backupId, "FAILED", error, finishedAt);
    }

    /** A backup whose job was cancelled: it does not exist (no manifest), like a failed one, but by request. */
    public void markCancelled(String backupId, String reason, Instant finishedAt) {
        markEnded(backupId, "CANCELLED", reason, finishedAt);
    }

    private void markEnded(String backupId, String status, String error, Instant finishedAt) {
        jdbc.sql("""
                        UPDATE backup SET status = ?, error = ?, finished_at = ?, updated_at = ?
                        WHERE backup_id = ? AND status IN ('QUEUED', 'RUNNING')""")
                .params(status, error, SqlTime.bind(finishedAt), SqlTime.bind(clock.instant()), backupId)
                .update();
    }
}
