package io.strata.catalog.policies;

import io.strata.catalog.jobs.JobSubmissions;
import io.strata.common.command.TakeBackup;
import io.strata.common.command.VerifyBackup;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.PolicyApi.ScheduleRunState;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * What one due slot becomes: a queued job (FIRED), or SKIPPED with the reason. The slot is recorded first;
 * only the caller whose insert made the record goes on to queue the job, in the same transaction.
 */
@Component
class ScheduleFiring {
    private static final Logger log = LoggerFactory.getLogger(ScheduleFiring.class);

    private final ScheduleRunStore runs;
    private final PolicyStore policies;
    /** How the request id of a scheduled job starts: {@code schedule <slot> <schedule>}. */
    static final String REQUEST_PREFIX = "schedule ";

    private final JobSubmissions jobs;
    private final DrillController.Drills drills;

    ScheduleFiring(ScheduleRunStore runs, PolicyStore policies, JobSubmissions jobs, DrillController.Drills drills) {
        this.runs = runs;
        this.policies = policies;
        this.jobs = jobs;
        this.drills = drills;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    void fire(String source, ScheduleEntry entry, Instant slot, Instant now) {
        Optional<String> skip = reasonToSkip(source, entry);
        if (skip.isPresent()) {
            if (runs.record(source, entry, slot, ScheduleRunState.SKIPPED, skip.get(), null, now)) {
                log.info("Schedule '{}' of {} skipped its slot {}: {}", entry.key(), source, slot, skip.get());
            }
            return;
        }
        UUID jobId = UUID.randomUUID();
        if (!runs.record(source, entry, slot, ScheduleRunState.FIRED, null, jobId, now)) {
            return; // another scheduler has it
        }
        // the slot names the job's request, so whoever follows it on strata.job.events knows where it came from
        String requestId = REQUEST_PREFIX + slot + " " + entry.key();
        JobView job = switch (entry.job()) {
            case BACKUP -> backup(source, entry, jobId, requestId, now);
            case VERIFY -> verify(source, jobId, requestId, now);
            case RESTORE_DRILL ->
                drills.submit(jobId, source, drills.newest(source).orElseThrow(), requestId, now);
        };
        log.info("Schedule '{}' of {} fired for its slot {}: job {}", entry.key(), source, slot, job.jobId());
    }

    private Optional<String> reasonToSkip(String source, ScheduleEntry entry) {
        return switch (entry.job()) {
            case BACKUP -> {
                Optional<JobView> busy = jobs.unfinished(source, JobKind.BACKUP);
                if (busy.isPresent()) {
                    yield Optional.of("backup job " + busy.get().jobId() + " of this source is still "
                            + busy.get().status() + "; a scheduled backup does not wait behind another");
                }
                if (entry.kind() == BackupKind.PHYSICAL && !policies.walArchiving(source)) {
                    yield Optional.of("WAL archiving of this source is off, and PHYSICAL backups need it: PUT"
                            + " /api/v1/sources/" + source + "/wal-archiving {\"enabled\":true}");
                }
                yield Optional.empty();
            }
            case VERIFY ->
                policies.newestBackupToVerify(source).isPresent()
                        ? Optional.empty()
                        : Optional.of("the source has no successful backup to verify yet");
            case RESTORE_DRILL -> {
                Optional<String> busy = drills.busy(source);
                if (busy.isPresent()) {
                    yield busy;
                }
                yield drills.newest(source).isPresent()
                        ? Optional.empty()
                        : Optional.of("the source has no successful backup to drill yet");
            }
        };
    }

    private JobView backup(String source, ScheduleEntry entry, UUID jobId, String requestId, Instant now) {
        BackupId backupId = BackupId.newId(now);
        TakeBackup command = new TakeBackup(
                TakeBackup.SCHEMA_VERSION,
                new JobId(jobId),
                backupId,
                source,
                entry.kind(),
                entry.type(),
                false,
                "scheduled: " + entry.cron() + " (" + entry.zone().getId() + ")",
                requestId,
                now);
        return jobs.submit(
                jobId, JobKind.BACKUP, source, backupId.toString(), requestId, now, Topics.BACKUP_COMMANDS, command);
    }

    private JobView verify(String source, UUID jobId, String requestId, Instant now) {
        String backupId = policies.newestBackupToVerify(source).orElseThrow();
        VerifyBackup command = new VerifyBackup(
                VerifyBackup.SCHEMA_VERSION, new JobId(jobId), BackupId.parse(backupId), source, requestId, now);
        return jobs.submit(jobId, JobKind.VERIFY, source, backupId, requestId, now, Topics.BACKUP_COMMANDS, command);
    }
}
