package io.strata.catalog.audit;

import io.strata.catalog.idempotency.ProcessedMessages;
import io.strata.catalog.invalid.ContentErrors;
import io.strata.catalog.invalid.EventText;
import io.strata.catalog.invalid.InvalidContentException;
import io.strata.catalog.invalid.InvalidEvents;
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
 * row commit together, and the offset after both. A record missing a required field, or holding text the
 * database cannot store, goes to the invalid-event log instead; a failure of the catalog itself is retried.
 */
@Component
class AuditListener {
    private final ProcessedMessages processed;
    private final AuditEventStore store;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final InvalidEvents invalid;

    AuditListener(
            ProcessedMessages processed,
            AuditEventStore store,
            TransactionTemplate transactions,
            Clock clock,
            InvalidEvents invalid) {
        this.processed = processed;
        this.store = store;
        this.transactions = transactions;
        this.clock = clock;
        this.invalid = invalid;
    }

    @KafkaListener(id = "catalog-audit", groupId = "catalog-service", topics = Topics.AUDIT)
    void onAudit(ConsumerRecord<String, String> record) {
        try {
            apply(record);
        } catch (RuntimeException e) {
            String problem = ContentErrors.problem(e).orElseThrow(() -> e);
            invalid.record(
                    record,
                    null,
                    "audit record not stored in the audit trail: " + problem
                            + ". This entry and its payload excerpt are all the catalog kept of it.");
        }
    }

    private void apply(ConsumerRecord<String, String> record) {
        String ceId = IncomingMessages.ceId(record);
        AuditRecorded audit = requireWellFormed(Json.read(EventText.payload(record), AuditRecorded.class));
        EventText.requireNoNul(audit);
        String producer = IncomingMessages.header(record, CloudEventHeaders.SOURCE);
        transactions.executeWithoutResult(status -> {
            if (processed.markFirstDelivery(ceId, record.topic())) {
                store.insert(audit, ceId, EventText.escape(producer), clock.instant());
            }
        });
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
            throw new InvalidContentException("audit record without auditId, occurredAt, actor, action, outcome,"
                    + " requestId or a valid status: " + audit.auditId());
        }
        return audit;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
