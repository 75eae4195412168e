package io.strata.restore;

import io.micrometer.core.instrument.Timer;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreCommand;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.JobExecution;
import io.strata.platform.logical.JobExecution.Outcome;
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
 * point-in-time restore into a new cluster. Its offset is committed after the final event was acknowledged. A redelivered command whose job the catalog already shows finished is skipped.
 */
@Component
class RestoreCommandListener {
    private static final Logger log = LoggerFactory.getLogger(RestoreCommandListener.class);
    private final CatalogClient catalog;
    private final JobReporters reporters;
    private final LogicalRestore logicalRestore;
    private final PointInTimeRestore pointInTimeRestore;
    private final JobMetrics metrics;

    RestoreCommandListener(
            CatalogClient catalog,
            JobReporters reporters,
            LogicalRestore logicalRestore,
            PointInTimeRestore pointInTimeRestore,
            JobMetrics metrics) {
        this.catalog = catalog;
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
            if (JobExecution.alreadyFinished(catalog, command.jobId())) {
                log.info("job {} is already finished: skipping a duplicate delivery", command.jobId());
                return;
            }
            String backupId =
                    command.backupId() == null ? null : command.backupId().toString();
            JobRef ref = new JobRef(command.jobId(), JobKind.RESTORE, command.source(), command.requestId(), backupId);
            JobReporter reporter = reporters.forJob(ref);
            Timer.Sample sample = metrics.start();
            Outcome outcome = JobExecution.run(
                    reporter,
                    "starting",
                    () -> command.pointInTime()
                            ? pointInTimeRestore.run(command, reporter)
                            : logicalRestore.run(command, reporter));
            metrics.finished(sample, outcome);
        }
    }
}
