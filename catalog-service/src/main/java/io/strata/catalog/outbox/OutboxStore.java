package io.strata.catalog.outbox;

import io.strata.catalog.support.SqlTime;
import io.strata.common.messaging.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code outbox} table: Kafka records written in a business transaction, waiting for the relay. */
@Repository
class OutboxStore {
    private final JdbcClient jdbc;

    OutboxStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(OutboxRecord record, Instant now) {
        jdbc.sql("""
                        INSERT INTO outbox (topic, record_key, payload, headers, created_at, next_attempt_at)
                        VALUES (?, ?, ?, CAST(? AS jsonb), ?, ?)""")
                .params(
                        record.topic(),
                        record.key(),
                        record.payload(),
                        Json.write(record.headers()),
                        SqlTime.bind(now),
                        SqlTime.bind(now))
                .update();
    }

    /**
     * Up to {@code limit} records due at {@code now}, oldest first, locked until the transaction ends; rows
     * another catalog instance is relaying are skipped, so each record is sent by one relay at a time.
     */
    List<Stored> lockDue(Instant now, int limit) {
        return jdbc.sql("""
                        SELECT id, topic, record_key, payload, headers::text AS headers, attempts FROM outbox
                        WHERE next_attempt_at <= ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED""")
                .params(SqlTime.bind(now), limit)
                .query(OutboxStore::stored)
                .list();
    }

    void delete(long id) {
        jdbc.sql("DELETE FROM outbox WHERE id = ?").param(id).update();
    }

    void retryLater(long id, Instant nextAttempt, String error) {
        jdbc.sql("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?")
                .params(SqlTime.bind(nextAttempt), error, id)
                .update();
    }

    /** How many records wait, and since when the oldest (null when none): the relay's backlog. */
    Backlog backlog() {
        return jdbc.sql("SELECT count(*) AS waiting, min(created_at) AS oldest FROM outbox")
                .query((rs, row) -> new Backlog(rs.getLong("waiting"), SqlTime.read(rs, "oldest")))
                .single();
    }

    record Backlog(long waiting, Instant oldest) {}

    /** A stored record with its row id and how many sends failed so far. */
    record Stored(long id, OutboxRecord record, int attempts) {}

    @SuppressWarnings("unchecked")
    private static Stored stored(ResultSet rs, int row) throws SQLException {
        Map<String, String> headers = new LinkedHashMap<>(Json.read(rs.getString("headers"), Map.class));
        return new Stored(
                rs.getLong("id"),
                new OutboxRecord(rs.getString("topic"), rs.getString("record_key"), rs.getString("payload"), headers),
                rs.getInt("attempts"));
    }
}
