package io.strata.catalog.outbox;

import java.util.Map;

/** A Kafka record as the relay will send it: topic, key (may be null), JSON payload and headers. */
public record OutboxRecord(String topic, String key, String payload, Map<String, String> headers) {
    public OutboxRecord {
        headers = Map.copyOf(headers);
    }
}
