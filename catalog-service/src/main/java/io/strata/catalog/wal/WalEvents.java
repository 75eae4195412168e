package io.strata.catalog.wal;

import io.strata.catalog.idempotency.ProcessedMessages;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.wal.WalArchivingStatus;
import io.strata.common.wal.WalEvent;
import io.strata.common.wal.WalSegmentArchived;
import io.strata.platform.messaging.IncomingMessages;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns {@code strata.wal.events} into {@code wal_segment} rows, idempotent on {@code ce_id}; archiving
 * heartbeats go to {@link ArchivingAlerts} (they change no row, so they are not recorded as processed).
 */
@Component
class WalEvents {
    private final ProcessedMessages processed;
    private final WalSegmentStore segments;
    private final TransactionTemplate transactions;
    private final ArchivingAlerts alerts;

    WalEvents(
            ProcessedMessages processed,
            WalSegmentStore segments,
            TransactionTemplate transactions,
            ArchivingAlerts alerts) {
        this.alerts = alerts;
        this.processed = processed;
        this.segments = segments;
        this.transactions = transactions;
    }

    @KafkaListener(id = "catalog-wal-events", groupId = "catalog-service", topics = Topics.WAL_EVENTS)
    void onWalEvent(ConsumerRecord<String, String> record) {
        String ceId = IncomingMessages.ceId(record);
        WalEvent event = Json.read(record.value(), WalEvent.class);
        if (event instanceof WalArchivingStatus status) {
            alerts.observe(status);
            return;
        }
        try (var ignored = MDC.putCloseable("source", event.source())) {
            transactions.executeWithoutResult(status -> {
                if (processed.markFirstDelivery(ceId, record.topic())) {
                    switch (event) {
                        case WalSegmentArchived archived -> segments.record(archived);
                        case WalArchivingStatus heartbeat -> alerts.observe(heartbeat);
                    }
                }
            });
        }
    }
}
