package io.strata.catalog.audit;

import io.strata.catalog.support.SqlTime;
import io.strata.common.audit.AuditOutcome;
import io.strata.common.audit.AuditRecorded;
import io.strata.common.messaging.Json;
import io.strata.platform.catalog.CatalogApi.AuditView;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code audit_event} table: append-only, read newest first. */
@Repository
class AuditEventStore {
    private final JdbcClient jdbc;

    AuditEventStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Stores the record unless its audit id is already there; true when this call stored it. */
    boolean insert(AuditRecorded record, String ceId, String producer, Instant recordedAt) {
        return jdbc.sql("""
                        INSERT INTO audit_event (audit_id, occurred_at, actor, role, action, target, status, outcome,
                            request_id, client_address, query_parameter_names, duration_ms, schema_version, ce_id,
                            producer, recorded_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, ?)
                        ON CONFLICT (audit_id) DO NOTHING""")
                        .params(
                                record.auditId(),
                                SqlTime.bind(record.occurredAt()),
                                record.actor(),
                                record.role(),
                                record.action(),
                                record.target(),
                                record.status(),
                                record.outcome().name(),
                                record.requestId(),
                                record.clientAddress(),
                                Json.write(record.queryParameterNames()),
                                record.durationMillis(),
                                record.schemaVersion(),
                                ceId,
                                producer,
                                SqlTime.bind(recordedAt))
                        .update()
                == 1;
    }

    List<AuditView> list(AuditFilter filter) {
        StringBuilder sql = new StringBuilder("""
                SELECT audit_id, occurred_at, actor, role, action, target, status, outcome, request_id,
                    client_address, query_parameter_names::text AS query_parameter_names, duration_ms
                FROM audit_event WHERE true""");
        List<Object> params = new ArrayList<>();
        if (filter.since() != null) {
            sql.append(" AND occurred_at >= ?");
            params.add(SqlTime.bind(filter.since()));
        }
        if (filter.actor() != null) {
            sql.append(" AND actor = ?");
            params.add(filter.actor());
        }
        if (filter.before() != null) {
            // keyset paging in the listing's own order; an unknown id matches nothing (an empty page)
            sql.append(
                    " AND (occurred_at, audit_id) < (SELECT occurred_at, audit_id FROM audit_event WHERE audit_id = ?)");
            params.add(filter.before());
        }
        sql.append(" ORDER BY occurred_at DESC, audit_id DESC LIMIT ?");
        params.add(filter.limit());
        return jdbc.sql(sql.toString())
                .params(params)
                .query(AuditEventStore::view)
                .list();
    }

    private static AuditView view(ResultSet rs, int row) throws SQLException {
        return new AuditView(
                rs.getString("audit_id"),
                SqlTime.read(rs, "occurred_at"),
                rs.getString("actor"),
                rs.getString("role"),
                rs.getString("action"),
                rs.getString("target"),
                rs.getInt("status"),
                AuditOutcome.valueOf(rs.getString("outcome")),
                rs.getString("request_id"),
                rs.getString("client_address"),
                List.of(Json.read(rs.getString("query_parameter_names"), String[].class)),
                rs.getLong("duration_ms"));
    }
}
