package io.strata.backup;

import io.micrometer.core.instrument.Timer;
import io.strata.backup.logical.LogicalBackupJob;
import io.strata.backup.physical.PhysicalBackupJob;
import io.strata.common.command.BackupCommand;
import io.strata.common.command.TakeBackup;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupKind;
import io.strata.common.model.JobKind;
import io.strata.platform.jobs.JobLeases;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.JobMetrics;
import io.strata.platform.logical.JobReporters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Runs one backup command at a time (one listener thread): a backup holds the record until it is done,
 * and the offset is committed after its final event was acknowledged. The job is claimed in the catalog
 * first ({@link JobLeases}): a redelivered command whose job ended, or which a live worker runs, is
 * skipped; a job whose worker was lost is taken over.
 */
@Component
class BackupCommandListener {
    private static final Logger log = LoggerFactory.getLogger(BackupCommandListener.class);
    private final JobLeases leases;
    private final JobReporters reporters;
    private final LogicalBackupJob logicalBackups;
    private final PhysicalBackupJob physicalBackups;
    private final JobMetrics metrics;

    BackupCommandListener(
            JobLeases leases,
            JobReporters reporters,
            LogicalBackupJob logicalBackups,
            PhysicalBackupJob physicalBackups,
            JobMetrics metrics) {
        this.leases = leases;
        this.reporters = reporters;
        this.logicalBackups = logicalBackups;
        this.physicalBackups = physicalBackups;
        this.metrics = metrics;
    }

    @KafkaListener(topics = Topics.BACKUP_COMMANDS, groupId = "backup-worker")
    void onCommand(ConsumerRecord<String, String> record) {
        BackupCommand command = Json.read(record.value(), BackupCommand.class);
        switch (command) {
            case TakeBackup take -> take(take);
        }
    }

    private void take(TakeBackup command) {
        try (MDC.MDCCloseable ignored =
                MDC.putCloseable("jobId", command.jobId().toString())) {
            JobRef ref = new JobRef(
                    command.jobId(),
                    JobKind.BACKUP,
                    command.source(),
                    command.requestId(),
                    command.backupId().toString());
            JobReporter reporter = reporters.forJob(ref);
            Timer.Sample sample = metrics.start();
            leases.runClaimed(
                            reporter,
                            "starting",
                            () -> command.kind() == BackupKind.PHYSICAL
                                    ? physicalBackups.run(command, reporter)
                                    : logicalBackups.run(command, reporter))
                    .ifPresent(outcome -> metrics.finished(sample, outcome));
        }
    }
}
