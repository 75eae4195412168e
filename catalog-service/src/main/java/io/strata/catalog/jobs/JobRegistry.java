package io.strata.catalog.jobs;

import io.strata.catalog.backups.BackupSeed;
import io.strata.catalog.backups.BackupStore;
import io.strata.catalog.idempotency.ProcessedMessages;
import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.catalog.outbox.Outbox;
import io.strata.common.command.BackupCommand;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.TakeBackup;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Message;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobCommand;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.messaging.IncomingMessages;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Creates jobs, QUEUED, from whichever announcement arrives first: the gateway's HTTP registration with the
 * job's command (stored together, so the dispatcher sends the command once the job may run), or a command
 * put straight on Kafka (stored as already sent, so it can be sent again when the job is re-queued).
 * Creation is idempotent on the job id; a later announcement only fills in what the earlier one did not know.
 */
@Service
class JobRegistry {
    private static final Logger log = LoggerFactory.getLogger(JobRegistry.class);
    private final JobStore jobs;
    private final BackupStore backups;
    private final JobCommandStore commands;
    private final ProcessedMessages processed;
    private final Outbox outbox;
    private final JobDispatchProperties dispatch;
    private final Clock clock;

    JobRegistry(
            JobStore jobs,
            BackupStore backups,
            JobCommandStore commands,
            ProcessedMessages processed,
            Outbox outbox,
            JobDispatchProperties dispatch,
            Clock clock) {
        this.jobs = jobs;
        this.backups = backups;
        this.commands = commands;
        this.processed = processed;
        this.outbox = outbox;
        this.dispatch = dispatch;
        this.clock = clock;
    }

    /** The job as it now stands, and whether this call created it. */
    record Registered(boolean created, JobView job) {}

    /**
     * Creates the job with {@code command} (already checked to be this job's), to be dispatched by the
     * outbox relay right after this commits; an existing job keeps the command it was created with.
     */
    @Transactional
    Registered register(JobOrigin origin, JobCommand command, Message parsed) {
        boolean created = jobs.insertIfAbsent(origin);
        if (created) {
            commands.insertIfAbsent(origin.jobId(), command, clock.instant(), null, origin.createdAt());
            outbox.relayAfterCommit();
            if (origin.kind() == JobKind.BACKUP && origin.backupId() != null) {
                backups.insertQueued(
                        parsed instanceof TakeBackup take
                                ? seed(take, origin.createdAt())
                                : BackupSeed.unknownShape(
                                        origin.backupId(), origin.source(), origin.jobId(), origin.createdAt()));
            }
            log.info("Job {} ({} of {}) registered QUEUED", origin.jobId(), origin.kind(), origin.source());
        }
        return new Registered(created, jobs.find(origin.jobId()).orElseThrow().toView());
    }

    @Transactional
    void onTakeBackup(String ceId, ConsumerRecord<String, String> record, TakeBackup command) {
        if (!processed.markFirstDelivery(ceId, record.topic())) {
            log.debug("Skipping already applied {} {}", record.topic(), ceId);
            return;
        }
        Instant at = Objects.requireNonNullElseGet(command.requestedAt(), clock::instant);
        String backupId = command.backupId() == null ? null : command.backupId().toString();
        jobs.insertIfAbsent(new JobOrigin(
                command.jobId().value(), JobKind.BACKUP, command.source(), backupId, command.requestId(), at));
        keepCommand(command.jobId().value(), record, command);
        if (backupId != null) {
            backups.insertQueued(seed(command, at));
        }
    }

    /**
     * A VERIFY or DELETE job's command seen on Kafka (normally the gateway stored it first): the job exists
     * either way.
     */
    @Transactional
    void onBackupJobCommand(
            String ceId,
            ConsumerRecord<String, String> record,
            BackupCommand command,
            JobKind kind,
            String backupId,
            String requestId,
            Instant requestedAt) {
        if (!processed.markFirstDelivery(ceId, record.topic())) {
            log.debug("Skipping already applied {} {}", record.topic(), ceId);
            return;
        }
        Instant at = Objects.requireNonNullElseGet(requestedAt, clock::instant);
        jobs.insertIfAbsent(new JobOrigin(command.jobId().value(), kind, command.source(), backupId, requestId, at));
        keepCommand(command.jobId().value(), record, command);
    }

    @Transactional
    void onRestoreBackup(String ceId, ConsumerRecord<String, String> record, RestoreBackup command) {
        String backupId = command.backupId() == null ? null : command.backupId().toString();
        onRestoreJobCommand(
                ceId, record, command, JobKind.RESTORE, backupId, command.requestId(), command.requestedAt());
    }

    @Transactional
    void onRestoreJobCommand(
            String ceId,
            ConsumerRecord<String, String> record,
            io.strata.common.command.RestoreCommand command,
            JobKind kind,
            String backupId,
            String requestId,
            Instant requestedAt) {
        if (!processed.markFirstDelivery(ceId, record.topic())) {
            log.debug("Skipping already applied {} {}", record.topic(), ceId);
            return;
        }
        Instant at = Objects.requireNonNullElseGet(requestedAt, clock::instant);
        jobs.insertIfAbsent(new JobOrigin(command.jobId().value(), kind, command.source(), backupId, requestId, at));
        keepCommand(command.jobId().value(), record, command);
    }

    /** A command seen on Kafka first is kept as already dispatched: a re-queue can send it again. */
    private void keepCommand(UUID jobId, ConsumerRecord<String, String> record, Message command) {
        Instant now = clock.instant();
        String producer =
                Objects.requireNonNullElse(IncomingMessages.header(record, CloudEventHeaders.SOURCE), "unknown");
        commands.insertIfAbsent(
                jobId,
                new JobCommand(record.topic(), command.kafkaKey(), command.ceType(), producer, record.value()),
                now,
                now,
                dispatch.nextLook(now, 0));
    }

    private static BackupSeed seed(TakeBackup command, Instant at) {
        return new BackupSeed(
                command.backupId() == null ? null : command.backupId().toString(),
                command.source(),
                command.jobId().value(),
                command.kind(),
                command.type(),
                command.schemaOnly(),
                command.description(),
                at);
    }
}
