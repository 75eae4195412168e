package io.strata.backup;

import io.micrometer.core.instrument.Timer;
import io.strata.backup.delete.BackupDeleter;
import io.strata.backup.logical.LogicalBackupJob;
import io.strata.backup.physical.PhysicalBackupJob;
import io.strata.backup.verify.BackupVerifier;
import io.strata.common.command.BackupCommand;
import io.strata.common.command.DeleteBackup;
import io.strata.common.command.TakeBackup;
import io.strata.common.command.VerifyBackup;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupKind;
import io.strata.common.model.JobKind;
import io.strata.platform.jobs.CommandHandler;
import io.strata.platform.jobs.CommandQueue;
import io.strata.platform.jobs.CommandQueues;
import io.strata.platform.jobs.JobMetrics;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.jobs.JobReporters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The backup-worker's commands ({@code TakeBackup}, {@code VerifyBackup}, {@code DeleteBackup}) from the {@code backup-worker} share group, run
 * {@code strata.worker.concurrency} at a time by the {@link CommandQueue} (which claims each job first).
 */
@Configuration(proxyBeanMethods = false)
class BackupCommands implements CommandHandler {
    static final String GROUP = "backup-worker";
    private final JobReporters reporters;
    private final LogicalBackupJob logicalBackups;
    private final PhysicalBackupJob physicalBackups;
    private final JobMetrics metrics;
    private final BackupVerifier verifier;
    private final BackupDeleter deleter;

    BackupCommands(
            JobReporters reporters,
            LogicalBackupJob logicalBackups,
            PhysicalBackupJob physicalBackups,
            JobMetrics metrics,
            BackupVerifier verifier,
            BackupDeleter deleter) {
        this.verifier = verifier;
        this.deleter = deleter;
        this.reporters = reporters;
        this.logicalBackups = logicalBackups;
        this.physicalBackups = physicalBackups;
        this.metrics = metrics;
    }

    @Bean
    CommandQueue backupCommandQueue(CommandQueues queues) {
        return queues.create(Topics.BACKUP_COMMANDS, GROUP, this);
    }

    @Override
    public JobKind kind() {
        return JobKind.BACKUP;
    }

    @Override
    public ClaimableJob read(ConsumerRecord<String, String> record) {
        return switch (Json.read(record.value(), BackupCommand.class)) {
            case TakeBackup take -> take(take);
            case VerifyBackup verify -> verify(verify);
            case DeleteBackup delete -> delete(delete);
        };
    }

    private ClaimableJob delete(DeleteBackup command) {
        JobRef ref = new JobRef(
                command.jobId(),
                JobKind.DELETE,
                command.source(),
                command.requestId(),
                command.backupId().toString());
        JobReporter reporter = reporters.forJob(ref);
        Timer.Sample sample = metrics.start();
        return new ClaimableJob(
                reporter,
                "starting",
                () -> deleter.run(command, reporter),
                outcome -> metrics.finished(sample, outcome));
    }

    private ClaimableJob verify(VerifyBackup command) {
        JobRef ref = new JobRef(
                command.jobId(),
                JobKind.VERIFY,
                command.source(),
                command.requestId(),
                command.backupId().toString());
        JobReporter reporter = reporters.forJob(ref);
        Timer.Sample sample = metrics.start();
        return new ClaimableJob(
                reporter,
                "starting",
                () -> verifier.run(command, reporter),
                outcome -> metrics.finished(sample, outcome));
    }

    private ClaimableJob take(TakeBackup command) {
        JobRef ref = new JobRef(
                command.jobId(),
                JobKind.BACKUP,
                command.source(),
                command.requestId(),
                command.backupId() == null ? null : command.backupId().toString());
        JobReporter reporter = reporters.forJob(ref);
        Timer.Sample sample = metrics.start();
        return new ClaimableJob(
                reporter,
                "starting",
                () -> command.kind() == BackupKind.PHYSICAL
                        ? physicalBackups.run(command, reporter)
                        : logicalBackups.run(command, reporter),
                outcome -> metrics.finished(sample, outcome));
    }
}
