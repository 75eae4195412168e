package io.strata.catalog.jobs;

import io.strata.common.command.BackupCommand;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreCommand;
import io.strata.common.command.TakeBackup;
import io.strata.common.event.JobEvent;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.platform.messaging.IncomingMessages;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The catalog's Kafka consumers. Each hands one record to a transactional service and returns only
 * after it committed, so the offset (ack-mode record) is committed after the state change is durable.
 * Records that cannot be parsed throw and end on the topic's DLT via the platform's error handler.
 */
@Component
class JobListeners {
    static final String GROUP = "catalog-service";
    private static final String MDC_JOB_ID = "jobId";
    private final JobRegistry registry;
    private final JobEventService events;

    JobListeners(JobRegistry registry, JobEventService events) {
        this.registry = registry;
        this.events = events;
    }

    @KafkaListener(id = "catalog-backup-commands", groupId = GROUP, topics = Topics.BACKUP_COMMANDS)
    void onBackupCommand(ConsumerRecord<String, String> record) {
        String ceId = IncomingMessages.ceId(record);
        BackupCommand command = Json.read(requireValue(record), BackupCommand.class);
        requireJob(command.jobId(), command.source(), record.topic());
        try (var ignored = MDC.putCloseable(MDC_JOB_ID, command.jobId().toString())) {
            switch (command) {
                case TakeBackup take -> registry.onTakeBackup(ceId, record.topic(), take);
            }
        }
    }

    @KafkaListener(id = "catalog-restore-commands", groupId = GROUP, topics = Topics.RESTORE_COMMANDS)
    void onRestoreCommand(ConsumerRecord<String, String> record) {
        String ceId = IncomingMessages.ceId(record);
        RestoreCommand command = Json.read(requireValue(record), RestoreCommand.class);
        requireJob(command.jobId(), command.source(), record.topic());
        try (var ignored = MDC.putCloseable(MDC_JOB_ID, command.jobId().toString())) {
            switch (command) {
                case RestoreBackup restore -> registry.onRestoreBackup(ceId, record.topic(), restore);
            }
        }
    }

    @KafkaListener(id = "catalog-job-events", groupId = GROUP, topics = Topics.JOB_EVENTS)
    void onJobEvent(ConsumerRecord<String, String> record) {
        String ceId = IncomingMessages.ceId(record);
        JobEvent event = Json.read(requireValue(record), JobEvent.class);
        JobEventService.requireWellFormed(event);
        try (var ignored = MDC.putCloseable(MDC_JOB_ID, event.job().jobId().toString())) {
            events.apply(ceId, record.topic(), event);
        }
    }

    private static String requireValue(ConsumerRecord<String, String> record) {
        if (record.value() == null || record.value().isBlank()) {
            throw new IllegalArgumentException("empty record on " + record.topic() + " at offset " + record.offset()
                    + ": Strata records always carry a JSON payload");
        }
        return record.value();
    }

    private static void requireJob(Object jobId, String source, String topic) {
        if (jobId == null || source == null || source.isBlank()) {
            throw new IllegalArgumentException("command on " + topic + " without jobId or source");
        }
    }
}
