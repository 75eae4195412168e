package io.strata.catalog.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.common.audit.AuditOutcome;
import io.strata.common.audit.AuditRecorded;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Audit records the catalog cannot store go to the invalid-event log, not to a dead-letter topic. */
class InvalidAuditRecordsIT extends CatalogIntegrationTest {

    @Autowired
    AuditListener listener;

    @Test
    void anAuditRecordWithANulIsKeptInTheInvalidEventLog() {
        UUID auditId = UUID.randomUUID();
        AuditRecorded audit = new AuditRecorded(
                AuditRecorded.SCHEMA_VERSION,
                auditId,
                Instant.parse("2026-11-22T15:30:00Z"),
                "adm\u0000in",
                "admin",
                "POST /api/v1/backups",
                null,
                202,
                AuditOutcome.of(202),
                "req-1",
                "127.0.0.1",
                List.of(),
                12);
        ConsumerRecord<String, String> record = record(Topics.AUDIT, "admin", audit.ceType(), null, Json.write(audit));

        assertThatCode(() -> listener.onAudit(record)).doesNotThrowAnyException();

        assertThat(jdbc.sql("SELECT reason FROM invalid_event WHERE topic = ? AND kafka_offset = ?")
                        .params(record.topic(), record.offset())
                        .query(String.class)
                        .single())
                .contains("audit record not stored in the audit trail: field actor contains a NUL character");
        assertThat(jdbc.sql("SELECT count(*) FROM audit_event WHERE audit_id = ?")
                        .param(auditId)
                        .query(Long.class)
                        .single())
                .isZero();
    }
}
