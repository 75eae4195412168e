package io.strata.platform.messaging;

import io.strata.common.messaging.CloudEventHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Reads the CloudEvents headers of a consumed record. */
public final class IncomingMessages {
    private IncomingMessages() {}

    /** The record's idempotency key; records without one are refused (they go to the DLT). */
    public static String ceId(ConsumerRecord<?, ?> record) {
        String id = header(record, CloudEventHeaders.ID);
        if (id == null || id.isBlank()) {
            throw new MissingCeIdException(record.topic());
        }
        return id;
    }

    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** A record that breaks the contract: every record carries {@code ce_id}. */
    public static class MissingCeIdException extends IllegalArgumentException {
        MissingCeIdException(String topic) {
            super("record on " + topic + " has no ce_id header; every Strata record must carry one");
        }
    }
}
