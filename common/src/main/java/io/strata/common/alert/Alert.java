package io.strata.common.alert;

import io.strata.common.messaging.Message;
import java.time.Instant;

/**
 * An alert on {@code strata.alerts}, keyed by source: {@code FIRING} when a condition starts,
 * {@code RESOLVED} when it ends (same {@code alert} and {@code since}). {@code alert} is a stable code
 * for machines (e.g. WAL_ARCHIVING_STOPPED); {@code message} says what is wrong and what to do.
 */
public record Alert(
        int schemaVersion,
        String source,
        String alert,
        String status,
        String severity,
        String message,
        Instant since,
        Instant observedAt)
        implements Message {
    public static final int SCHEMA_VERSION = 1;
    public static final String FIRING = "FIRING";
    public static final String RESOLVED = "RESOLVED";

    @Override
    public String ceType() {
        return "strata.alert.v1";
    }

    @Override
    public String kafkaKey() {
        return source;
    }
}
