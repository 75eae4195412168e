package io.strata.catalog.jobs;

import io.strata.catalog.invalid.ContentErrors;
import io.strata.catalog.invalid.EventText;
import io.strata.common.command.ApplyRetention;
import io.strata.common.command.BackupCommand;
import io.strata.common.command.DeleteBackup;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreCommand;
import io.strata.common.command.TakeBackup;
import io.strata.common.command.VerifyBackup;
import io.strata.common.event.JobEvent;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobKind;
import io.strata.platform.messaging.IncomingMessages;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The catalog's Kafka consumers. Each hands one record to a transactional service and returns only
 * after it committed, so the offset (ack-mode record) is committed after the state change is durable.
 * A record that cannot be applied because of its content is not retried or dead-lettered: it is recorded
 * in the invalid-event log and its job fails ({@link InvalidJobMessages}). Any other failure (the catalog
 * database down) throws, so the platform's error handler retries it.
 */
@Component
class JobListeners {
    static final String GROUP = "catalog-service";
    private static final String MDC_JOB_ID = "jobId";
    private final JobRegistry registry;
    private final JobEventService events;
    private final InvalidJobMessages invalid;

    JobListeners(JobRegistry registry, JobEventService events, InvalidJobMessages invalid) {
        this.registry = registry;
        this.events = events;
        this.invalid = invalid;
    }

    @KafkaListener(id = "catalog-backup-commands", groupId = GROUP, topics = Topics.BACKUP_COMMANDS)
    void onBackupCommand(ConsumerRecord<String, String> record) {
        try {
            String ceId = IncomingMessages.ceId(record);
            BackupCommand command = Json.read(EventText.payload(record), BackupCommand.class);
            JobEventContent.requireStorable(command);
            try (var ignored = MDC.putCloseable(MDC_JOB_ID, command.jobId().toString())) {
                switch (command) {
                    case TakeBackup take -> registry.onTakeBackup(ceId, record, take);
                    case VerifyBackup verify ->
                        registry.onBackupJobCommand(
                                ceId,
                                record,
                                verify,
                                JobKind.VERIFY,
                                verify.backupId().toString(),
                                verify.requestId(),
                                verify.requestedAt());
                    case DeleteBackup delete ->
                        registry.onBackupJobCommand(
                                ceId,
                                record,
                                delete,
                                JobKind.DELETE,
                                delete.backupId().toString(),
                                delete.requestId(),
                                delete.requestedAt());
                    case ApplyRetention retention ->
                        registry.onBackupJobCommand(
                                ceId,
                                record,
                                retention,
                                JobKind.RETENTION,
                                null,
                                retention.requestId(),
                                retention.requestedAt());
                }
            }
        } catch (RuntimeException e) {
            rejectOrRethrow(record, e);
        }
    }

    @KafkaListener(id = "catalog-restore-commands", groupId = GROUP, topics = Topics.RESTORE_COMMANDS)
    void onRestoreCommand(ConsumerRecord<String, String> record) {
        try {
            String ceId = IncomingMessages.ceId(record);
            RestoreCommand command = Json.read(EventText.payload(record), RestoreCommand.class);
            JobEventContent.requireStorable(command);
            try (var ignored = MDC.putCloseable(MDC_JOB_ID, command.jobId().toString())) {
                switch (command) {
                    case RestoreBackup restore -> registry.onRestoreBackup(ceId, record, restore);
                    case io.strata.common.command.RunRestoreDrill drill ->
                        registry.onRestoreJobCommand(
                                ceId,
                                record,
                                drill,
                                JobKind.RESTORE_DRILL,
                                drill.backupId().toString(),
                                drill.requestId(),
                                drill.requestedAt());
                    case io.strata.common.command.RestoreUpload upload ->
                        registry.onRestoreJobCommand(
                                ceId,
                                record,
                                upload,
                                JobKind.UPLOAD_RESTORE,
                                null,
                                upload.requestId(),
                                upload.requestedAt());
                }
            }
        } catch (RuntimeException e) {
            rejectOrRethrow(record, e);
        }
    }

    @KafkaListener(id = "catalog-job-events", groupId = GROUP, topics = Topics.JOB_EVENTS)
    void onJobEvent(ConsumerRecord<String, String> record) {
        try {
            String ceId = IncomingMessages.ceId(record);
            JobEvent event = JobEventContent.storable(Json.read(EventText.payload(record), JobEvent.class));
            Long leaseToken = LeaseFence.token(record);
            try (var ignored = MDC.putCloseable(MDC_JOB_ID, event.job().jobId().toString())) {
                events.apply(ceId, record.topic(), event, leaseToken);
            }
        } catch (RuntimeException e) {
            rejectOrRethrow(record, e);
        }
    }

    /** The state change rolled back; a content problem is recorded, anything else retried. */
    private void rejectOrRethrow(ConsumerRecord<String, String> record, RuntimeException failure) {
        String problem = ContentErrors.problem(failure).orElseThrow(() -> failure);
        invalid.reject(record, problem);
    }
}
