package io.strata.catalog.invalid;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of the invalid-event log: where the record was on Kafka, what it claimed to be, the job it named
 * (null when none could be named), why it was not applied, and a sanitised start of its payload.
 */
public record InvalidEvent(
        long id,
        String topic,
        int partition,
        long offset,
        String key,
        String ceId,
        String ceType,
        String producer,
        UUID jobId,
        String reason,
        String payloadExcerpt,
        Instant receivedAt) {}
