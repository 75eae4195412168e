package io.strata.catalog.audit;

import io.strata.catalog.idempotency.ProcessedMessages;
import io.strata.common.audit.AuditRecorded;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.platform.messaging.IncomingMessages;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stores {@code strata.audit} records in {@code audit_event}, idempotent on {@code ce_id}: the marker and the
 * row commit together, and the offset after both. A record missing a required field is refused (DLT).
 */
@Component
class AuditListener {
    private final ProcessedMessages processed;
    private final AuditEventStore store;
    private final TransactionTemplate transactions;
    private final Clock clock;

    AuditListener(ProcessedMessages processed, AuditEventStore store, TransactionTemplate transactions, Clock clock) {
        this.processed = processed;
        this.store = store;
        this.transactions = transactions;
        this.clock = clock;
    }

    @KafkaListener(id = "catalog-audit", groupId = "catalog-service", topics = Topics.AUDIT)
    void onAudit(ConsumerRecord<String, String> record) {
        String ceId = IncomingMessages.ceId(record);
        AuditRecorded audit = requireWellFormed(readValue(record));
        String producer = IncomingMessages.header(record, CloudEventHeaders.SOURCE);
        transactions.executeWithoutResult(status -> {
            if (processed.markFirstDelivery(ceId, record.topic())) {
                store.insert(audit, ceId, producer, clock.instant());
            }
        });
    }

    private static AuditRecorded readValue(ConsumerRecord<String, String> record) {
        if (record.value() == null || record.value().isBlank()) {
            throw new IllegalArgumentException("empty record on " + record.topic() + " at offset " + record.offset()
                    + ": Strata records always carry a JSON payload");
        }
        return Json.read(record.value(), AuditRecorded.class);
    }

    /** The columns the table cannot do without; anything else may be absent. */
    static AuditRecorded requireWellFormed(AuditRecorded audit) {
        if (audit.auditId() == null
                || audit.occurredAt() == null
                || isBlank(audit.actor())
                || isBlank(audit.action())
                || audit.outcome() == null
                || isBlank(audit.requestId())
                || audit.status() < 100
                || audit.status() > 599) {
            throw new IllegalArgumentException("audit record without auditId, occurredAt, actor, action, outcome,"
                    + " requestId or a valid status: " + audit.auditId());
        }
        return audit;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
