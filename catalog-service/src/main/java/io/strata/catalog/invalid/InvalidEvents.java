package io.strata.catalog.invalid;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.platform.messaging.IncomingMessages;
import java.time.Clock;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The invalid-event log: Kafka records the catalog could not apply because of their content. They are kept
 * here, sanitised, instead of being dead-lettered where nobody looks, and counted in
 * {@code strata.catalog.invalid.events{topic}}. Admins read them at {@code GET /internal/v1/invalid-events}.
 */
@Service
public class InvalidEvents {
    static final String METRIC = "strata.catalog.invalid.events";
    private static final Logger log = LoggerFactory.getLogger(InvalidEvents.class);
    private static final int MAX_HEADER = 200;
    private static final int MAX_REASON = 2_000;
    private static final int MAX_PAYLOAD = 4_000;
    private final InvalidEventLog table;
    private final MeterRegistry meters;
    private final Clock clock;

    InvalidEvents(InvalidEventLog table, MeterRegistry meters, Clock clock) {
        this.table = table;
        this.meters = meters;
        this.clock = clock;
    }

    /**
     * Records {@code record} as not applied because of {@code reason}, joining the caller's transaction.
     * A redelivery of the same record (same topic, partition and offset) is recorded and counted once.
     */
    @Transactional
    public void record(ConsumerRecord<String, String> record, UUID jobId, String reason) {
        InvalidEvent event = new InvalidEvent(
                0,
                record.topic(),
                record.partition(),
                record.offset(),
                EventText.line(record.key(), MAX_HEADER),
                header(record, CloudEventHeaders.ID),
                header(record, CloudEventHeaders.TYPE),
                header(record, CloudEventHeaders.SOURCE),
                jobId,
                EventText.line(reason, MAX_REASON),
                EventText.excerpt(record.value(), MAX_PAYLOAD),
                clock.instant());
        if (table.insert(event)) {
            Counter.builder(METRIC)
                    .tag("topic", record.topic())
                    .description("Kafka records the catalog did not apply because of their content")
                    .register(meters)
                    .increment();
            log.warn(
                    "Invalid record on {}-{}@{} (ce_id {}) not applied: {}",
                    event.topic(),
                    event.partition(),
                    event.offset(),
                    event.ceId(),
                    event.reason());
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        return EventText.line(IncomingMessages.header(record, name), MAX_HEADER);
    }
}
