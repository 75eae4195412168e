package io.strata.restore;

import io.micrometer.core.instrument.Timer;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreCommand;
import io.strata.common.command.RestoreUpload;
import io.strata.common.command.RunRestoreDrill;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobResult;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobKind;
import io.strata.platform.jobs.CommandHandler;
import io.strata.platform.jobs.CommandQueue;
import io.strata.platform.jobs.CommandQueues;
import io.strata.platform.jobs.JobMetrics;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.jobs.JobReporters;
import io.strata.restore.drill.RestoreDrill;
import io.strata.restore.logical.LogicalRestore;
import io.strata.restore.logical.UploadRestore;
import io.strata.restore.pitr.PointInTimeRestore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The restore-worker's commands: {@code RestoreBackup} (logical, or point-in-time into a new cluster),
 * {@code RestoreUpload} (an uploaded archive) and {@code RunRestoreDrill} from the {@code restore-worker} share group, run {@code strata.worker.concurrency} at a time by the
 * {@link CommandQueue}, which claims each job first: a restore is never run twice, so a command whose job
 * a live worker holds, or whose worker was lost, is not started again.
 */
@Configuration(proxyBeanMethods = false)
class RestoreCommands implements CommandHandler {
    static final String GROUP = "restore-worker";
    private final JobReporters reporters;
    private final LogicalRestore logicalRestore;
    private final PointInTimeRestore pointInTimeRestore;
    private final RestoreDrill drill;
    private final UploadRestore uploadRestore;
    private final JobMetrics metrics;

    RestoreCommands(
            JobReporters reporters,
            LogicalRestore logicalRestore,
            PointInTimeRestore pointInTimeRestore,
            RestoreDrill drill,
            UploadRestore uploadRestore,
            JobMetrics metrics) {
        this.reporters = reporters;
        this.logicalRestore = logicalRestore;
        this.pointInTimeRestore = pointInTimeRestore;
        this.drill = drill;
        this.uploadRestore = uploadRestore;
        this.metrics = metrics;
    }

    @Bean
    CommandQueue restoreCommandQueue(CommandQueues queues) {
        return queues.create(Topics.RESTORE_COMMANDS, GROUP, this);
    }

    @Override
    public JobKind kind() {
        return JobKind.RESTORE;
    }

    @Override
    public ClaimableJob read(ConsumerRecord<String, String> record) {
        return switch (Json.read(record.value(), RestoreCommand.class)) {
            case RestoreBackup restore -> restore(restore);
            case RunRestoreDrill drillCommand -> drill(drillCommand);
            case RestoreUpload upload -> upload(upload);
        };
    }

    private ClaimableJob upload(RestoreUpload command) {
        return claimable(
                new JobRef(command.jobId(), JobKind.UPLOAD_RESTORE, command.source(), command.requestId(), null),
                reporter -> uploadRestore.run(command, reporter));
    }

    private ClaimableJob drill(RunRestoreDrill command) {
        return claimable(
                new JobRef(
                        command.jobId(),
                        JobKind.RESTORE_DRILL,
                        command.source(),
                        command.requestId(),
                        command.backupId().toString()),
                reporter -> drill.run(command, reporter));
    }

    private ClaimableJob restore(RestoreBackup command) {
        String backupId = command.backupId() == null ? null : command.backupId().toString();
        return claimable(
                new JobRef(command.jobId(), JobKind.RESTORE, command.source(), command.requestId(), backupId),
                reporter -> command.pointInTime()
                        ? pointInTimeRestore.run(command, reporter)
                        : logicalRestore.run(command, reporter));
    }

    /** What a restore job of any kind runs through: its reporter, and its duration and bytes in the metrics. */
    private ClaimableJob claimable(JobRef ref, Work work) {
        JobReporter reporter = reporters.forJob(ref);
        Timer.Sample sample = metrics.start();
        return new ClaimableJob(
                reporter, "starting", () -> work.run(reporter), outcome -> metrics.finished(sample, outcome));
    }

    /** A restore job's work, given its reporter. */
    @FunctionalInterface
    private interface Work {
        JobResult run(JobReporter reporter) throws Exception;
    }
}
