package io.strata.catalog.jobs;

import io.strata.catalog.invalid.EventText;
import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.common.command.ApplyRetention;
import io.strata.common.command.BackupCommand;
import io.strata.common.command.DeleteBackup;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreCommand;
import io.strata.common.command.TakeBackup;
import io.strata.common.command.VerifyBackup;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobKind;
import io.strata.platform.messaging.IncomingMessages;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The job a record the catalog could not apply is about, read as far as the record allows: from its payload
 * when that parses, else from its {@code strata_job_id} header.
 *
 * @param what the event or command type, for messages (e.g. {@code JobSucceeded})
 * @param jobId null when neither the payload nor the header names a job
 * @param origin the job as the payload describes it, its text escaped, so a job first heard of through an
 *     invalid record can still be created and failed; null when the payload does not describe it fully
 */
record NamedJob(String what, UUID jobId, JobOrigin origin) {
    private static final int MAX_TYPE = 100;
    private static final int MAX_TEXT = 200;

    static NamedJob of(ConsumerRecord<String, String> record, Instant now) {
        return fromPayload(record, now).orElseGet(() -> fromHeader(record));
    }

    private static Optional<NamedJob> fromPayload(ConsumerRecord<String, String> record, Instant now) {
        try {
            return Optional.ofNullable(
                    switch (record.topic()) {
                        case Topics.JOB_EVENTS -> fromEvent(Json.read(record.value(), JobEvent.class), now);
                        case Topics.BACKUP_COMMANDS -> fromCommand(Json.read(record.value(), BackupCommand.class), now);
                        case Topics.RESTORE_COMMANDS ->
                            fromCommand(Json.read(record.value(), RestoreCommand.class), now);
                        default -> null;
                    });
        } catch (RuntimeException unreadable) {
            // the header is all there is to go by
            return Optional.empty();
        }
    }

    private static NamedJob fromEvent(JobEvent event, Instant now) {
        JobRef ref = event.job();
        if (ref == null || ref.jobId() == null) {
            return null;
        }
        JobOrigin origin = ref.kind() == null || ref.source() == null
                ? null
                : origin(ref.jobId().value(), ref.kind(), ref.source(), ref.backupId(), ref.requestId(), now);
        return new NamedJob(event.getClass().getSimpleName(), ref.jobId().value(), origin);
    }

    private static NamedJob fromCommand(BackupCommand command, Instant now) {
        return switch (command) {
            case TakeBackup take
            when take.jobId() != null && take.source() != null -> {
                String backupId =
                        take.backupId() == null ? null : take.backupId().toString();
                yield new NamedJob(
                        "the TakeBackup command",
                        take.jobId().value(),
                        origin(take.jobId().value(), JobKind.BACKUP, take.source(), backupId, take.requestId(), now));
            }
            case TakeBackup take -> null;
            case VerifyBackup verify
            when verify.jobId() != null && verify.source() != null ->
                new NamedJob(
                        "the VerifyBackup command",
                        verify.jobId().value(),
                        origin(
                                verify.jobId().value(),
                                JobKind.VERIFY,
                                verify.source(),
                                verify.backupId().toString(),
                                verify.requestId(),
                                now));
            case VerifyBackup verify -> null;
            case DeleteBackup delete
            when delete.jobId() != null && delete.source() != null ->
                new NamedJob(
                        "the DeleteBackup command",
                        delete.jobId().value(),
                        origin(
                                delete.jobId().value(),
                                JobKind.DELETE,
                                delete.source(),
                                delete.backupId().toString(),
                                delete.requestId(),
                                now));
            case DeleteBackup delete -> null;
            case ApplyRetention retention
            when retention.jobId() != null && retention.source() != null ->
                new NamedJob(
                        "the ApplyRetention command",
                        retention.jobId().value(),
                        origin(
                                retention.jobId().value(),
                                JobKind.RETENTION,
                                retention.source(),
                                null,
                                retention.requestId(),
                                now));
            case ApplyRetention retention -> null;
        };
    }

    private static NamedJob fromCommand(RestoreCommand command, Instant now) {
        return switch (command) {
            case RestoreBackup restore
            when restore.jobId() != null && restore.source() != null -> {
                String backupId =
                        restore.backupId() == null ? null : restore.backupId().toString();
                yield new NamedJob(
                        "the RestoreBackup command",
                        restore.jobId().value(),
                        origin(
                                restore.jobId().value(),
                                JobKind.RESTORE,
                                restore.source(),
                                backupId,
                                restore.requestId(),
                                now));
            }
            case RestoreBackup restore -> null;
            case io.strata.common.command.RunRestoreDrill drill
            when drill.jobId() != null && drill.source() != null ->
                new NamedJob(
                        "the RunRestoreDrill command",
                        drill.jobId().value(),
                        origin(
                                drill.jobId().value(),
                                JobKind.RESTORE_DRILL,
                                drill.source(),
                                drill.backupId() == null
                                        ? null
                                        : drill.backupId().toString(),
                                drill.requestId(),
                                now));
            case io.strata.common.command.RunRestoreDrill drill -> null;
            case io.strata.common.command.RestoreUpload upload
            when upload.jobId() != null && upload.source() != null ->
                new NamedJob(
                        "the RestoreUpload command",
                        upload.jobId().value(),
                        origin(
                                upload.jobId().value(),
                                JobKind.UPLOAD_RESTORE,
                                upload.source(),
                                null,
                                upload.requestId(),
                                now));
            case io.strata.common.command.RestoreUpload upload -> null;
        };
    }

    private static NamedJob fromHeader(ConsumerRecord<String, String> record) {
        String type = EventText.line(IncomingMessages.header(record, CloudEventHeaders.TYPE), MAX_TYPE);
        String what = type == null ? "an unreadable message" : "a message of type " + type;
        String header = IncomingMessages.header(record, CloudEventHeaders.JOB_ID);
        return new NamedJob(what, uuid(header), null);
    }

    private static UUID uuid(String text) {
        try {
            // fromString also takes abbreviated forms like 1-1-1-1-1; only the canonical one names a job
            return text != null && text.length() == 36 ? UUID.fromString(text) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static JobOrigin origin(
            UUID jobId, JobKind kind, String source, String backupId, String requestId, Instant now) {
        return new JobOrigin(
                jobId,
                kind,
                EventText.line(source, MAX_TEXT),
                EventText.line(backupId, MAX_TEXT),
                EventText.line(requestId, MAX_TEXT),
                now);
    }
}
