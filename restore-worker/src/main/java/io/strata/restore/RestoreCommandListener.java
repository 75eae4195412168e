package io.strata.restore;

import io.micrometer.core.instrument.Timer;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreCommand;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobKind;
import io.strata.platform.jobs.JobLeases;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.JobMetrics;
import io.strata.platform.logical.JobReporters;
import io.strata.restore.logical.LogicalRestore;
import io.strata.restore.pitr.PointInTimeRestore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Runs one restore command at a time (one listener thread): a logical restore into a database, or a
 * point-in-time restore into a new cluster. Its offset is committed after the final event was acknowledged.
 * The job is claimed in the catalog first ({@link JobLeases}): a redelivered command whose job ended or
 * runs elsewhere is skipped, and a restore whose worker was lost is never run again (the catalog fails it
 * {@code WORKER_LOST}).
 */
@Component
class RestoreCommandListener {
    private static final Logger log = LoggerFactory.getLogger(RestoreCommandListener.class);
    private final JobLeases leases;
    private final JobReporters reporters;
    private final LogicalRestore logicalRestore;
    private final PointInTimeRestore pointInTimeRestore;
    private final JobMetrics metrics;

    RestoreCommandListener(
            JobLeases leases,
            JobReporters reporters,
            LogicalRestore logicalRestore,
            PointInTimeRestore pointInTimeRestore,
            JobMetrics metrics) {
        this.leases = leases;
        this.reporters = reporters;
        this.logicalRestore = logicalRestore;
        this.pointInTimeRestore = pointInTimeRestore;
        this.metrics = metrics;
    }

    @KafkaListener(topics = Topics.RESTORE_COMMANDS, groupId = "restore-worker")
    void onCommand(ConsumerRecord<String, String> record) {
        RestoreCommand command = Json.read(record.value(), RestoreCommand.class);
        switch (command) {
            case RestoreBackup restore -> restore(restore);
        }
    }

    private void restore(RestoreBackup command) {
        try (MDC.MDCCloseable ignored =
                MDC.putCloseable("jobId", command.jobId().toString())) {
            String backupId =
                    command.backupId() == null ? null : command.backupId().toString();
            JobRef ref = new JobRef(command.jobId(), JobKind.RESTORE, command.source(), command.requestId(), backupId);
            JobReporter reporter = reporters.forJob(ref);
            Timer.Sample sample = metrics.start();
            leases.runClaimed(
                            reporter,
                            "starting",
                            () -> command.pointInTime()
                                    ? pointInTimeRestore.run(command, reporter)
                                    : logicalRestore.run(command, reporter))
                    .ifPresent(outcome -> metrics.finished(sample, outcome));
        }
    }
}
