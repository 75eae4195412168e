package io.strata.catalog.idempotency;

import io.strata.catalog.support.SqlTime;
import java.time.Clock;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Remembers which Kafka messages (by {@code ce_id}) the catalog has applied. It joins the caller's
 * transaction, so the marker and the state change commit or roll back together: a redelivered message
 * finds its marker only if its effect is durable too.
 */
@Repository
public class ProcessedMessages {
    private final JdbcClient jdbc;
    private final Clock clock;

    ProcessedMessages(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Records the message as processed. False means it was processed before and must be skipped; a
     * concurrent attempt with the same id waits on the row lock and then also sees false.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean markFirstDelivery(String ceId, String topic) {
        int inserted =
                jdbc.sql("""
                        INSERT INTO processed_message (ce_id, topic, processed_at) VALUES (?, ?, ?)
                        ON CONFLICT (ce_id) DO NOTHING""").params(ceId, topic, SqlTime.bind(clock.instant())).update();
        return inserted == 1;
    }
}
