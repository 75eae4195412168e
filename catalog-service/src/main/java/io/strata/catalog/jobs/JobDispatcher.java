package io.strata.catalog.jobs;

import io.strata.catalog.jobs.JobCommandStore.Due;
import io.strata.catalog.outbox.Outbox;
import io.strata.catalog.outbox.OutboxFeeder;
import io.strata.catalog.outbox.OutboxRecord;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.model.JobKind;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Puts QUEUED jobs' commands in the outbox when they may run: a new job at once, a backup only while its
 * source runs fewer than {@code strata.catalog.jobs.backups-per-source} backups (the others wait, saying
 * which backup they wait for), a re-queued job again, and a command that was dispatched but not claimed
 * within its re-dispatch delay once more. Safe with several catalog instances: commands are locked with
 * {@code SKIP LOCKED}, and a source's backups are dispatched under that source's advisory lock.
 */
@Service
class JobDispatcher implements OutboxFeeder {
    static final int BATCH = 100;
    static final String WAITING_FOR_BACKUP = "waiting for backup job ";
    static final String WAITING_FOR_WORKER = "waiting for a worker";
    private static final Logger log = LoggerFactory.getLogger(JobDispatcher.class);
    private final JobCommandStore commands;
    private final Outbox outbox;
    private final JobDispatchProperties properties;
    private final Clock clock;

    JobDispatcher(JobCommandStore commands, Outbox outbox, JobDispatchProperties properties, Clock clock) {
        this.commands = commands;
        this.outbox = outbox;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    @Transactional
    public void feed() {
        Instant now = clock.instant();
        commands.retireStarted(now);
        for (Due due : commands.lockDue(now, BATCH)) {
            if (due.kind() == JobKind.BACKUP && properties.limitsBackups()) {
                if (!commands.tryLockSource(due.source())) {
                    continue; // another catalog instance dispatches this source's backups right now
                }
                List<UUID> active = commands.activeBackups(due.source(), due.jobId(), false);
                if (active.size() >= properties.backupsPerSource()) {
                    commands.showStep(due.jobId(), waitingFor(active.getFirst(), due.source()), now);
                    continue;
                }
            }
            dispatch(due, now);
        }
    }

    private void dispatch(Due due, Instant now) {
        outbox.add(new OutboxRecord(
                due.command().topic(), due.command().key(), due.command().payload(), headers(due, now)));
        commands.markDispatched(due.jobId(), now, properties.nextLook(now, due.dispatches()));
        if (due.currentStep() != null && due.currentStep().startsWith(WAITING_FOR_BACKUP)) {
            commands.showStep(due.jobId(), WAITING_FOR_WORKER, now);
        }
        if (due.dispatches() > 0) {
            log.info(
                    "Job {} ({} of {}) dispatched again (dispatch {}): still QUEUED, its command is sent once more",
                    due.jobId(),
                    due.kind(),
                    due.source(),
                    due.dispatches() + 1);
        } else {
            log.debug("Job {} ({} of {}) dispatched", due.jobId(), due.kind(), due.source());
        }
    }

    /** The step a backup shows while it waits for another backup of its source. */
    static String waitingFor(UUID running, String source) {
        return WAITING_FOR_BACKUP + running + " of " + source
                + " to finish (one backup per source at a time: strata.catalog.jobs.backups-per-source)";
    }

    /** The command's CloudEvents headers: the first dispatch's ce_id is derived from the job, later ones differ. */
    private static Map<String, String> headers(Due due, Instant now) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(CloudEventHeaders.ID, commandCeId(due.jobId(), due.dispatches()));
        headers.put(CloudEventHeaders.SPEC_VERSION, "1.0");
        headers.put(CloudEventHeaders.TYPE, due.command().ceType());
        headers.put(CloudEventHeaders.SOURCE, due.command().producer());
        headers.put(CloudEventHeaders.TIME, now.toString());
        headers.put(CloudEventHeaders.CONTENT_TYPE, "application/json");
        headers.put(CloudEventHeaders.JOB_ID, due.jobId().toString());
        return headers;
    }

    static String commandCeId(UUID jobId, int dispatch) {
        String name = dispatch == 0 ? "command:" + jobId : "command:" + jobId + ":" + dispatch;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
