package io.strata.catalog.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.audit.AuditOutcome;
import io.strata.common.audit.AuditRecorded;
import io.strata.common.messaging.Json;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What the catalog accepts from {@code strata.audit}; storing it needs the catalog database (see the e2e suite). */
class AuditListenerTest {
    private static final UUID AUDIT_ID = UUID.fromString("0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11");

    @Test
    void readsTheGatewaysJsonBackAsTheSameRecord() {
        AuditRecorded sent = record(202, "req-1");
        String json = Json.write(sent);
        assertThat(json)
                .contains(
                        "\"schemaVersion\":1",
                        "\"auditId\":\"" + AUDIT_ID + "\"",
                        "\"occurredAt\":\"2026-11-22T15:30:00Z\"",
                        "\"actor\":\"admin\"",
                        "\"action\":\"POST /api/v1/backups\"",
                        "\"status\":202",
                        "\"outcome\":\"SUCCEEDED\"",
                        "\"queryParameterNames\":[\"cascade\"]");
        assertThat(AuditListener.requireWellFormed(Json.read(json, AuditRecorded.class)))
                .isEqualTo(sent);
    }

    @Test
    void refusesARecordWithoutItsRequiredFields() {
        assertThatThrownBy(() -> AuditListener.requireWellFormed(record(0, "req-1")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditListener.requireWellFormed(record(202, " ")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AuditListener.requireWellFormed(Json.read(
                        "{\"schemaVersion\":1,\"status\":200,\"durationMillis\":0,\"actor\":\"admin\"}",
                        AuditRecorded.class)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static AuditRecorded record(int status, String requestId) {
        return new AuditRecorded(
                AuditRecorded.SCHEMA_VERSION,
                AUDIT_ID,
                Instant.parse("2026-11-22T15:30:00Z"),
                "admin",
                "admin",
                "POST /api/v1/backups",
                null,
                status,
                AuditOutcome.of(status),
                requestId,
                "127.0.0.1",
                List.of("cascade"),
                12);
    }
}
