package io.strata.catalog.invalid;

import io.strata.catalog.support.SqlTime;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code invalid_event} table: append-only, one row per Kafka record, read newest first. */
@Repository
class InvalidEventLog {
    private final JdbcClient jdbc;

    InvalidEventLog(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Stores the row unless its record (topic, partition, offset) is already there; true when stored now. */
    boolean insert(InvalidEvent event) {
        return jdbc.sql("""
                        INSERT INTO invalid_event (topic, kafka_partition, kafka_offset, record_key, ce_id, ce_type,
                            producer, job_id, reason, payload_excerpt, received_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (topic, kafka_partition, kafka_offset) DO NOTHING""")
                        .params(
                                event.topic(),
                                event.partition(),
                                event.offset(),
                                event.key(),
                                event.ceId(),
                                event.ceType(),
                                event.producer(),
                                event.jobId(),
                                event.reason(),
                                event.payloadExcerpt(),
                                SqlTime.bind(event.receivedAt()))
                        .update()
                == 1;
    }

    List<InvalidEvent> newest(int limit) {
        return jdbc.sql("""
                        SELECT id, topic, kafka_partition, kafka_offset, record_key, ce_id, ce_type, producer, job_id,
                            reason, payload_excerpt, received_at
                        FROM invalid_event ORDER BY received_at DESC, id DESC LIMIT ?""").param(limit).query(InvalidEventLog::row).list();
    }

    private static InvalidEvent row(ResultSet rs, int row) throws SQLException {
        return new InvalidEvent(
                rs.getLong("id"),
                rs.getString("topic"),
                rs.getInt("kafka_partition"),
                rs.getLong("kafka_offset"),
                rs.getString("record_key"),
                rs.getString("ce_id"),
                rs.getString("ce_type"),
                rs.getString("producer"),
                rs.getObject("job_id", UUID.class),
                rs.getString("reason"),
                rs.getString("payload_excerpt"),
                SqlTime.read(rs, "received_at"));
    }
}
