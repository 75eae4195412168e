package io.strata.catalog.backups;

import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.support.SqlTime;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.platform.catalog.CatalogApi.BackupObject;
import io.strata.platform.catalog.CatalogApi.BackupView;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads backups for the REST read side. */
@Repository
class BackupQueries {
    private static final String COLUMNS = """
            backup_id, source, kind, type, status, size_bytes, stored_bytes, sha256, started_at, finished_at,
            start_lsn::text AS start_lsn, end_lsn::text AS end_lsn, parent_backup_id, description, database_name,
            schema_only, job_id, manifest_key, requested_type, type_reason, chain, read_bytes, changed_bytes,
            verified_at, corruption, deleted_at""";
    private static final String DEPENDENTS = """
            WITH RECURSIVE dependent AS (
                SELECT backup_id, created_at FROM backup WHERE parent_backup_id = ? AND status <> 'DELETED'
                UNION
                SELECT b.backup_id, b.created_at FROM backup b JOIN dependent d ON b.parent_backup_id = d.backup_id
                WHERE b.status <> 'DELETED')
            SELECT backup_id FROM dependent ORDER BY created_at DESC, backup_id DESC""";
    private final JdbcClient jdbc;
    private final BaseBackups baseBackups;

    BackupQueries(JdbcClient jdbc, BaseBackups baseBackups) {
        this.jdbc = jdbc;
        this.baseBackups = baseBackups;
    }

    /** The backups built on {@code backupId} (DIFFERENTIAL/INCREMENTAL, at any depth, not deleted), newest first. */
    List<String> dependents(String backupId) {
        return jdbc.sql(DEPENDENTS).param(backupId).query(String.class).list();
    }

    List<BackupView> list(BackupFilter filter) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM backup WHERE true");
        List<Object> params = new ArrayList<>();
        if (filter.source() != null) {
            sql.append(" AND source = ?");
            params.add(filter.source());
        }
        if (filter.kind() != null) {
            sql.append(" AND kind = ?");
            params.add(filter.kind().name());
        }
        if (filter.status() != null) {
            sql.append(" AND status = ?");
            params.add(filter.status());
        } else {
            sql.append(" AND status <> 'DELETED'"); // deleted backups are listed only when asked for
        }
        sql.append(" ORDER BY created_at DESC, backup_id DESC LIMIT ?");
        params.add(filter.limit());
        List<BackupView> rows = jdbc.sql(sql.toString())
                .params(params)
                .query((rs, row) -> view(rs, null))
                .list();
        Map<String, BaseBackups.Assessment> bySource = new HashMap<>();
        return rows.stream()
                .map(b -> withUsability(b, bySource.computeIfAbsent(b.source(), baseBackups::assess), null))
                .toList();
    }

    /** One backup with its objects. */
    Optional<BackupView> find(String backupId) {
        List<BackupObject> objects = jdbc.sql(
                        "SELECT key, size_bytes, sha256 FROM backup_object WHERE backup_id = ? ORDER BY key")
                .param(backupId)
                .query((rs, row) ->
                        new BackupObject(rs.getString("key"), rs.getLong("size_bytes"), rs.getString("sha256")))
                .list();
        return jdbc.sql("SELECT " + COLUMNS + " FROM backup WHERE backup_id = ?")
                .param(backupId)
                .query((rs, row) -> view(rs, objects))
                .optional()
                .map(b -> withUsability(b, baseBackups.assess(b.source()), dependents(backupId)));
    }

    /**
     * Says whether a succeeded physical backup can be restored (from {@link BaseBackups}: the whole chain is
     * there and undamaged), and why not; null for the others.
     */
    private static BackupView withUsability(BackupView b, BaseBackups.Assessment assessment, List<String> dependents) {
        Boolean usable = null;
        String reason = null;
        if (b.kind() == BackupKind.PHYSICAL && "SUCCEEDED".equals(b.status())) {
            BaseBackups.Unusable unusable = assessment.unusable().get(b.backupId());
            usable = unusable == null;
            reason = unusable == null ? null : unusable.reason();
        }
        return new BackupView(
                b.backupId(),
                b.source(),
                b.kind(),
                b.type(),
                b.status(),
                b.sizeBytes(),
                b.storedBytes(),
                b.sha256(),
                b.startedAt(),
                b.finishedAt(),
                b.startLsn(),
                b.endLsn(),
                b.parentBackupId(),
                b.description(),
                b.database(),
                b.schemaOnly(),
                b.jobId(),
                b.manifestKey(),
                b.objects(),
                b.requestedType(),
                b.typeReason(),
                b.chain(),
                b.readBytes(),
                b.changedBytes(),
                usable,
                reason,
                dependents,
                b.verifiedAt(),
                b.corruption(),
                b.deletedAt());
    }

    private static BackupView view(ResultSet rs, List<BackupObject> objects) throws SQLException {
        String kind = rs.getString("kind");
        String type = rs.getString("type");
        String jobId = rs.getString("job_id");
        boolean schemaOnly = rs.getBoolean("schema_only");
        Boolean schemaOnlyOrNull = rs.wasNull() ? null : schemaOnly;
        return new BackupView(
                rs.getString("backup_id"),
                rs.getString("source"),
                kind == null ? null : BackupKind.valueOf(kind),
                type == null ? null : BackupType.valueOf(type),
                rs.getString("status"),
                SqlTime.readLong(rs, "size_bytes"),
                SqlTime.readLong(rs, "stored_bytes"),
                rs.getString("sha256"),
                SqlTime.read(rs, "started_at"),
                SqlTime.read(rs, "finished_at"),
                SqlLsn.read(rs, "start_lsn"),
                SqlLsn.read(rs, "end_lsn"),
                rs.getString("parent_backup_id"),
                rs.getString("description"),
                rs.getString("database_name"),
                schemaOnlyOrNull,
                jobId,
                rs.getString("manifest_key"),
                objects,
                rs.getString("requested_type") == null ? null : BackupType.valueOf(rs.getString("requested_type")),
                rs.getString("type_reason"),
                rs.getString("chain") == null
                        ? null
                        : List.of(rs.getString("chain").split(",")),
                SqlTime.readLong(rs, "read_bytes"),
                SqlTime.readLong(rs, "changed_bytes"),
                null,
                null,
                null,
                SqlTime.read(rs, "verified_at"),
                rs.getString("corruption"),
                SqlTime.read(rs, "deleted_at"));
    }
}
