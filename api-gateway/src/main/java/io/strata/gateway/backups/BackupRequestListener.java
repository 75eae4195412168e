package io.strata.gateway.backups;

import io.strata.common.command.BackupRequest;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.messaging.IncomingMessages;
import io.strata.platform.messaging.MessagePublisher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Backups asked for by other services on {@code strata.backup.requests}. A valid request becomes a job
 * exactly like {@code POST /backups}, carrying the caller's {@code requestId}; an invalid one is answered
 * with a {@code JobFailed} (code {@code INVALID_REQUEST}) on {@code strata.job.events}, so the caller
 * hears back either way.
 *
 * <p>Idempotent on {@code ce_id}: the job id is derived from it, and the catalog's createJob returns the
 * existing job for a redelivered record, which is then not published again unless still QUEUED.
 */
@Component
class BackupRequestListener {
    private static final Logger log = LoggerFactory.getLogger(BackupRequestListener.class);
    private final BackupSubmission submission;
    private final MessagePublisher publisher;
    private final Clock clock;

    BackupRequestListener(BackupSubmission submission, MessagePublisher publisher, Clock clock) {
        this.submission = submission;
        this.publisher = publisher;
        this.clock = clock;
    }

    @KafkaListener(topics = Topics.BACKUP_REQUESTS, groupId = "api-gateway")
    void onRequest(ConsumerRecord<String, String> record) {
        String ceId = IncomingMessages.ceId(record);
        JobId jobId = derivedJobId(ceId);
        // arbitrary JSON from another service, read as a tree first: a request whose fields the typed read
        // below refuses still tells us whom to answer
        JsonNode tree = Json.mapper().readTree(record.value());
        String requestId = text(tree, "requestId");
        String source = text(tree, "source");
        try {
            BackupSpec spec = parse(record.value(), requestId);
            JobView job = submission.submit(spec, jobId, requestId);
            log.info("backup request {} (ce_id {}) is job {} ({})", requestId, ceId, job.jobId(), job.status());
        } catch (ApiException e) {
            if (!e.isCallerError()) {
                throw e; // catalog or Kafka trouble: let the error handler retry the record
            }
            reject(ceId, jobId, requestId, source, e.getMessage());
        }
    }

    private static BackupSpec parse(String value, String requestId) {
        BackupRequest request;
        try {
            request = Json.read(value, BackupRequest.class);
        } catch (JacksonException e) {
            throw ApiException.badRequest("backup request is malformed: " + e.getOriginalMessage());
        }
        if (requestId == null || requestId.isBlank()) {
            throw ApiException.badRequest("requestId is required: the caller follows its backup by it");
        }
        if (request.schemaVersion() > BackupRequest.SCHEMA_VERSION) {
            throw ApiException.badRequest("schemaVersion " + request.schemaVersion()
                    + " is newer than this gateway understands (" + BackupRequest.SCHEMA_VERSION + ")");
        }
        if (request.source() == null || request.source().isBlank()) {
            throw ApiException.badRequest("source is required");
        }
        return BackupSpec.withDefaults(
                request.source(), request.kind(), request.type(), request.schemaOnly(), request.description());
    }

    private void reject(String ceId, JobId jobId, String requestId, String source, String reason) {
        log.warn("rejecting backup request {} (ce_id {}): {}", requestId, ceId, reason);
        JobRef ref = new JobRef(jobId, JobKind.BACKUP, source, requestId, null);
        JobFailed failed = new JobFailed(
                JobEvent.SCHEMA_VERSION, ref, clock.instant(), FailureCode.INVALID_REQUEST, reason, false);
        // derived ce_id: a redelivered request yields the same rejection, which consumers drop as a duplicate
        publisher.publish(Topics.JOB_EVENTS, failed, derived("rejected:", ceId).toString());
    }

    static JobId derivedJobId(String ceId) {
        return new JobId(derived("backup-request:", ceId));
    }

    private static UUID derived(String prefix, String ceId) {
        return UUID.nameUUIDFromBytes((prefix + ceId).getBytes(StandardCharsets.UTF_8));
    }

    private static String text(JsonNode tree, String field) {
        JsonNode node = tree.get(field);
        return node == null || node.isNull() ? null : node.asString();
    }
}
