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
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads backups for the REST read side. */
@Repository
class BackupQueries {
    private static final String COLUMNS = """
            backup_id, source, kind, type, status, size_bytes, stored_bytes, sha256, started_at, finished_at,
            start_lsn::text AS start_lsn, end_lsn::text AS end_lsn, parent_backup_id, description, database_name,
            schema_only, job_id, manifest_key, requested_type, type_reason, chain, read_bytes, changed_bytes""";
    private final JdbcClient jdbc;

    BackupQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
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
        }
        sql.append(" ORDER BY created_at DESC, backup_id DESC LIMIT ?");
        params.add(filter.limit());
        return jdbc.sql(sql.toString())
                .params(params)
                .query((rs, row) -> view(rs, null))
                .list();
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
                .optional();
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
                SqlTime.readLong(rs, "changed_bytes"));
    }
}
