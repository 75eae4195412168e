package io.strata.common.audit;

import io.strata.common.messaging.Message;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One mutating call on the public API, as the gateway answered it, on {@code strata.audit} keyed by actor.
 * It never carries a secret: no body, no Authorization header, no query values (only their names).
 *
 * @param auditId also the record's {@code ce_id}, so a redelivery is recognisably the same record
 * @param occurredAt when the call arrived
 * @param actor the token's configured name (e.g. {@code admin}), {@value #ANONYMOUS} without a valid token
 * @param role the token's role ({@code viewer}, {@code operator}, {@code admin}); null when anonymous
 * @param action method and route pattern, e.g. {@code POST /api/v1/sources/{source}/restore-points}; the raw
 *     path (cleaned, at most 300 characters) when no route matched
 * @param target the source name, backup id or job id the call was about; null when unknown
 * @param status the HTTP status answered
 * @param requestId the caller's {@code X-Request-Id} when it is a safe token, else one the gateway made up
 * @param clientAddress the peer address the gateway saw
 * @param queryParameterNames the names of the query parameters, never their values
 * @param durationMillis from arrival to the end of the answer
 */
public record AuditRecorded(
        int schemaVersion,
        UUID auditId,
        Instant occurredAt,
        String actor,
        String role,
        String action,
        String target,
        int status,
        AuditOutcome outcome,
        String requestId,
        String clientAddress,
        List<String> queryParameterNames,
        long durationMillis)
        implements Message {
    public static final int SCHEMA_VERSION = 1;
    public static final String ANONYMOUS = "anonymous";

    public AuditRecorded {
        queryParameterNames = queryParameterNames == null ? List.of() : List.copyOf(queryParameterNames);
    }

    @Override
    public String ceType() {
        return "strata.audit.recorded.v1";
    }

    @Override
    public String kafkaKey() {
        return actor;
    }
}
