package io.strata.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.common.audit.AuditOutcome;
import io.strata.common.audit.AuditRecorded;
import io.strata.common.messaging.Message;
import io.strata.common.messaging.Topics;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class AuditPublisherTest {
    private final MessagePublisher messages = mock(MessagePublisher.class);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void sendsTheRecordOnTheAuditTopicWithItsAuditIdAsCeId() {
        AuditRecorded record = record();
        new AuditPublisher(messages, Runnable::run, registry).publish(record);
        verify(messages).publish(Topics.AUDIT, record, record.auditId().toString());
        assertThat(failures()).isZero();
    }

    @Test
    void aRecordKafkaRefusesIsCountedNotThrown() {
        doThrow(new IllegalStateException("Kafka did not acknowledge"))
                .when(messages)
                .publish(eq(Topics.AUDIT), any(Message.class), anyString());
        new AuditPublisher(messages, Runnable::run, registry).publish(record());
        assertThat(failures()).isEqualTo(1);
    }

    @Test
    void aRecordThatFindsTheQueueFullIsCountedNotThrown() {
        AuditPublisher publisher = new AuditPublisher(
                messages,
                task -> {
                    throw new RejectedExecutionException("full");
                },
                registry);
        publisher.publish(record());
        publisher.publish(record());
        assertThat(failures()).isEqualTo(2);
    }

    private double failures() {
        return registry.get(AuditPublisher.FAILURES).counter().count();
    }

    private static AuditRecorded record() {
        return new AuditRecorded(
                AuditRecorded.SCHEMA_VERSION,
                UUID.randomUUID(),
                Instant.parse("2026-11-22T15:30:00Z"),
                "admin",
                "admin",
                "POST /api/v1/backups",
                null,
                202,
                AuditOutcome.SUCCEEDED,
                "req-1",
                "127.0.0.1",
                List.of(),
                3);
    }
}
