package io.strata.catalog.wal;

import io.strata.catalog.idempotency.ProcessedMessages;
import io.strata.catalog.invalid.ContentErrors;
import io.strata.catalog.invalid.EventText;
import io.strata.catalog.invalid.InvalidContentException;
import io.strata.catalog.invalid.InvalidEvents;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.storage.StorageLayout;
import io.strata.common.wal.TimelineHistory;
import io.strata.common.wal.WalArchivingStatus;
import io.strata.common.wal.WalEvent;
import io.strata.common.wal.WalSegmentArchived;
import io.strata.common.wal.WalTimelineArchived;
import io.strata.platform.messaging.IncomingMessages;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns {@code strata.wal.events} into {@code wal_segment} and {@code wal_timeline} rows, idempotent on
 * {@code ce_id}; archiving
 * heartbeats go to {@link ArchivingAlerts} (they change no row, so they are not recorded as processed).
 * An event that cannot be applied because of its content goes to the invalid-event log (there is no job to
 * fail); any other failure throws, so the platform's error handler retries it.
 */
@Component
class WalEvents {
    private static final int MAX_REASON = 2_000;
    private final ProcessedMessages processed;
    private final WalSegmentStore segments;
    private final WalTimelineStore timelines;
    private final TransactionTemplate transactions;
    private final ArchivingAlerts alerts;
    private final InvalidEvents invalid;

    WalEvents(
            ProcessedMessages processed,
            WalSegmentStore segments,
            WalTimelineStore timelines,
            TransactionTemplate transactions,
            ArchivingAlerts alerts,
            InvalidEvents invalid) {
        this.alerts = alerts;
        this.processed = processed;
        this.segments = segments;
        this.timelines = timelines;
        this.transactions = transactions;
        this.invalid = invalid;
    }

    @KafkaListener(id = "catalog-wal-events", groupId = "catalog-service", topics = Topics.WAL_EVENTS)
    void onWalEvent(ConsumerRecord<String, String> record) {
        try {
            apply(record);
        } catch (RuntimeException e) {
            String problem = ContentErrors.problem(e).orElseThrow(() -> e);
            invalid.record(record, null, reason(record, problem));
        }
    }

    private void apply(ConsumerRecord<String, String> record) {
        String ceId = IncomingMessages.ceId(record);
        WalEvent event = Json.read(EventText.payload(record), WalEvent.class);
        if (event.source() == null) {
            throw new InvalidContentException("WAL event without source");
        }
        switch (event) {
            case WalArchivingStatus status -> alerts.observe(status);
            case WalSegmentArchived archived -> store(ceId, record.topic(), requireStorable(archived));
            case WalTimelineArchived archived -> store(ceId, record.topic(), requireStorable(archived));
        }
    }

    private void store(String ceId, String topic, WalTimelineArchived archived) {
        try (var ignored = MDC.putCloseable("source", archived.source())) {
            transactions.executeWithoutResult(status -> {
                if (processed.markFirstDelivery(ceId, topic)) {
                    timelines.record(archived);
                }
            });
        }
    }

    /** A history names the object where the archiver stores it, and reads as PostgreSQL's would. */
    private static WalTimelineArchived requireStorable(WalTimelineArchived archived) {
        try {
            TimelineHistory.check(archived.timeline(), archived.history());
        } catch (IllegalArgumentException e) {
            throw new InvalidContentException("WalTimelineArchived: " + e.getMessage());
        }
        if (!StorageLayout.walHistoryKey(archived.source(), archived.timeline()).equals(archived.key())
                || archived.sha256() == null
                || !archived.sha256().matches("[0-9a-f]{64}")
                || archived.storedBytes() <= 0
                || archived.archivedAt() == null) {
            throw new InvalidContentException("WalTimelineArchived of timeline " + archived.timeline()
                    + " without its history file's key, SHA-256, size or time");
        }
        EventText.requireNoNul(archived);
        return archived;
    }

    private void store(String ceId, String topic, WalSegmentArchived archived) {
        try (var ignored = MDC.putCloseable("source", archived.source())) {
            transactions.executeWithoutResult(status -> {
                if (processed.markFirstDelivery(ceId, topic)) {
                    segments.record(archived);
                }
            });
        }
    }

    private static WalSegmentArchived requireStorable(WalSegmentArchived archived) {
        if (archived.segment() == null
                || archived.startLsn() == null
                || archived.endLsn() == null
                || archived.key() == null) {
            throw new InvalidContentException("WalSegmentArchived without segment, startLsn, endLsn or key");
        }
        EventText.requireNoNul(archived);
        return archived;
    }

    /**
     * Why the record was not applied and what the catalog loses by it, as far as the record can be read.
     * There is no job to fail: a segment missing from the catalog is a gap to recovery plans.
     */
    private static String reason(ConsumerRecord<String, String> record, String problem) {
        try {
            return switch (Json.read(record.value(), WalEvent.class)) {
                case WalSegmentArchived archived ->
                    EventText.line(
                            "WalSegmentArchived of source '" + archived.source() + "', segment " + archived.segment()
                                    + " not applied: " + problem + ". The catalog does not list this segment, so"
                                    + " recovery plans treat it as missing; there is no job to fail.",
                            MAX_REASON);
                case WalTimelineArchived archived ->
                    EventText.line(
                            "WalTimelineArchived of source '" + archived.source() + "', timeline "
                                    + archived.timeline() + " not applied: " + problem + ". Recovery plans do not"
                                    + " cross into this timeline from a backup of an earlier one; there is no job"
                                    + " to fail.",
                            MAX_REASON);
                case WalArchivingStatus status ->
                    EventText.line(
                            "WalArchivingStatus heartbeat of source '" + status.source() + "' not applied: " + problem
                                    + ". The heartbeat is dropped; there is no job to fail.",
                            MAX_REASON);
            };
        } catch (RuntimeException unreadable) {
            return "WAL event not applied: " + problem + ". It cannot be read, so whether it reported an archived"
                    + " segment is unknown; there is no job to fail.";
        }
    }
}
