package io.strata.catalog.alerts;

import io.strata.catalog.outbox.Outbox;
import io.strata.catalog.support.SqlTime;
import io.strata.common.alert.Alert;
import io.strata.common.messaging.Topics;
import io.strata.platform.catalog.PolicyApi.AlertView;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The catalog's alerts, kept in its database: an alert is open from FIRING to RESOLVED, at most one open per
 * source and code (a unique index), so it fires once and resolves once whatever restarts or how many
 * replicas evaluate it. Each change goes to {@code strata.alerts} through the outbox, in the same
 * transaction.
 */
@Component
public class AlertBook {
    private static final Logger log = LoggerFactory.getLogger(AlertBook.class);
    private final JdbcClient jdbc;
    private final Outbox outbox;

    AlertBook(JdbcClient jdbc, Outbox outbox) {
        this.jdbc = jdbc;
        this.outbox = outbox;
    }

    /**
     * Applies {@code alert} (FIRING or RESOLVED): a FIRING opens the alert unless it is open already, a
     * RESOLVED closes the open one; only a change is published. True when the alert is now in the state
     * asked for.
     */
    @Transactional
    public boolean record(Alert alert) {
        boolean changed = Alert.FIRING.equals(alert.status()) ? open(alert) : close(alert);
        if (changed) {
            outbox.add(Topics.ALERTS, alert); // the relay sends it, retrying while Kafka is down
            log.warn("alert {} {} for {}: {}", alert.alert(), alert.status(), alert.source(), alert.message());
        }
        return true;
    }

    /** Every open alert, as FIRING records (to pick up where a restarted catalog left off). */
    public List<Alert> open() {
        return jdbc.sql("SELECT source, alert, severity, message, since FROM alert WHERE resolved_at IS NULL")
                .query((rs, row) -> new Alert(
                        Alert.SCHEMA_VERSION,
                        rs.getString("source"),
                        rs.getString("alert"),
                        Alert.FIRING,
                        rs.getString("severity"),
                        rs.getString("message"),
                        SqlTime.read(rs, "since"),
                        SqlTime.read(rs, "since")))
                .list();
    }

    /** Whether {@code alert} of {@code source} is open (FIRING). */
    public boolean isOpen(String source, String alert) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM alert WHERE source = ? AND alert = ? AND resolved_at IS NULL)")
                .params(source, alert)
                .query(Boolean.class)
                .single();
    }

    /** Alerts, newest first; {@code source} and {@code state} (FIRING or RESOLVED) filter when not null. */
    public List<AlertView> list(String source, String state, int limit) {
        StringBuilder sql = new StringBuilder(
                "SELECT id, source, alert, severity, message, since, resolved_at, resolution FROM alert WHERE true");
        List<Object> params = new ArrayList<>();
        if (source != null) {
            sql.append(" AND source = ?");
            params.add(source);
        }
        if (Alert.FIRING.equals(state)) {
            sql.append(" AND resolved_at IS NULL");
        } else if (Alert.RESOLVED.equals(state)) {
            sql.append(" AND resolved_at IS NOT NULL");
        }
        sql.append(" ORDER BY since DESC, id DESC LIMIT ?");
        params.add(limit);
        return jdbc.sql(sql.toString()).params(params).query(AlertBook::view).list();
    }

    private boolean open(Alert alert) {
        return jdbc.sql("""
                                INSERT INTO alert (source, alert, severity, message, since)
                                VALUES (?, ?, ?, ?, ?)
                                ON CONFLICT (source, alert) WHERE resolved_at IS NULL DO NOTHING""")
                        .params(
                                alert.source(),
                                alert.alert(),
                                alert.severity(),
                                alert.message(),
                                SqlTime.bind(alert.since()))
                        .update()
                == 1;
    }

    private boolean close(Alert alert) {
        return jdbc.sql("""
                                UPDATE alert SET resolved_at = ?, resolution = ?
                                WHERE source = ? AND alert = ? AND resolved_at IS NULL""")
                        .params(SqlTime.bind(alert.observedAt()), alert.message(), alert.source(), alert.alert())
                        .update()
                > 0;
    }

    private static AlertView view(ResultSet rs, int row) throws SQLException {
        Instant resolved = SqlTime.read(rs, "resolved_at");
        return new AlertView(
                rs.getLong("id"),
                rs.getString("source"),
                rs.getString("alert"),
                resolved == null ? Alert.FIRING : Alert.RESOLVED,
                rs.getString("severity"),
                rs.getString("message"),
                SqlTime.read(rs, "since"),
                resolved,
                rs.getString("resolution"));
    }
}
