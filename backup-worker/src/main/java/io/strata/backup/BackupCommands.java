package io.strata.backup;

import io.micrometer.core.instrument.Timer;
import io.strata.backup.delete.BackupDeleter;
import io.strata.backup.delete.RetentionRunner;
import io.strata.backup.logical.LogicalBackupJob;
import io.strata.backup.physical.PhysicalBackupJob;
import io.strata.backup.verify.BackupVerifier;
import io.strata.common.command.ApplyRetention;
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
 * The backup-worker's commands ({@code TakeBackup}, {@code VerifyBackup}, {@code DeleteBackup},
 * {@code ApplyRetention}) from the {@code backup-worker} share group, run
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
    private final RetentionRunner retention;

    BackupCommands(
            JobReporters reporters,
            LogicalBackupJob logicalBackups,
            PhysicalBackupJob physicalBackups,
            JobMetrics metrics,
            BackupVerifier verifier,
            BackupDeleter deleter,
            RetentionRunner retention) {
        this.verifier = verifier;
        this.retention = retention;
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
            case TakeBackup take ->
                claimable(
                        take,
                        JobKind.BACKUP,
                        take.requestId(),
                        take.backupId() == null ? null : take.backupId().toString(),
                        reporter -> take.kind() == BackupKind.PHYSICAL
                                ? physicalBackups.run(take, reporter)
                                : logicalBackups.run(take, reporter));
            case VerifyBackup verify ->
                claimable(
                        verify,
                        JobKind.VERIFY,
                        verify.requestId(),
                        verify.backupId().toString(),
                        reporter -> verifier.run(verify, reporter));
            case DeleteBackup delete ->
                claimable(
                        delete,
                        JobKind.DELETE,
                        delete.requestId(),
                        delete.backupId().toString(),
                        reporter -> deleter.run(delete, reporter));
            case ApplyRetention apply ->
                claimable(
                        apply, JobKind.RETENTION, apply.requestId(), null, reporter -> retention.run(apply, reporter));
        };
    }

    /** The job a command runs: its reporter, and its run timed by the job metrics. */
    private ClaimableJob claimable(
            BackupCommand command,
            JobKind kind,
            String requestId,
            String backupId,
            java.util.function.Function<JobReporter, io.strata.common.event.JobResult> run) {
        JobReporter reporter =
                reporters.forJob(new JobRef(command.jobId(), kind, command.source(), requestId, backupId));
        Timer.Sample sample = metrics.start();
        return new ClaimableJob(
                reporter, "starting", () -> run.apply(reporter), outcome -> metrics.finished(sample, outcome));
    }
}
