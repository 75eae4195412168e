package io.strata.catalog.jobs;

import io.strata.catalog.invalid.EventText;
import io.strata.catalog.invalid.InvalidContentException;
import io.strata.common.command.BackupCommand;
import io.strata.common.command.RestoreCommand;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;

/**
 * What the catalog accepts of a job event or command, before it touches the database.
 *
 * <p>Text that only describes what happened for people (a failure's code and message, a step name) is
 * sanitised and kept: a worker echoing a tool's error output with control bytes, or a NUL, must still fail
 * its job with its own code and words, so control characters are escaped (see {@link EventText#escape}).
 * Everything else (the job's identity, a backup's description, object keys, checksums, LSNs) is data the
 * catalog and later restores rely on, and is never rewritten: a NUL there refuses the whole record.
 */
final class JobEventContent {
    private JobEventContent() {}

    /** The event as the catalog may store it; {@link InvalidContentException} when it cannot be. */
    static JobEvent storable(JobEvent event) {
        requireWellFormed(event);
        JobEvent sanitised = sanitised(event);
        EventText.requireNoNul(sanitised);
        return sanitised;
    }

    static void requireStorable(BackupCommand command) {
        requireJob(command.jobId(), command.source());
        EventText.requireNoNul(command);
    }

    static void requireStorable(RestoreCommand command) {
        requireJob(command.jobId(), command.source());
        EventText.requireNoNul(command);
    }

    /** Whether the event is complete enough to act on. */
    static void requireWellFormed(JobEvent event) {
        JobRef ref = event.job();
        if (ref == null || ref.jobId() == null || ref.kind() == null || ref.source() == null) {
            throw new InvalidContentException(
                    "job event without job.jobId, job.kind or job.source: every JobEvent must name its job fully");
        }
        if (event instanceof JobFailed failed && failed.code() == null) {
            throw new InvalidContentException("JobFailed without code: every failure names one of FailureCode");
        }
    }

    private static JobEvent sanitised(JobEvent event) {
        return switch (event) {
            case JobStarted e ->
                new JobStarted(
                        e.schemaVersion(),
                        e.job(),
                        e.occurredAt(),
                        EventText.escape(e.step()),
                        EventText.escape(e.worker()));
            case JobProgressed e ->
                new JobProgressed(
                        e.schemaVersion(),
                        e.job(),
                        e.occurredAt(),
                        e.percent(),
                        EventText.escape(e.step()),
                        e.bytesDone(),
                        e.bytesTotal());
            case JobFailed e ->
                new JobFailed(
                        e.schemaVersion(),
                        e.job(),
                        e.occurredAt(),
                        e.code(),
                        EventText.escape(e.message()),
                        e.retryable());
            case JobSucceeded e -> e;
        };
    }

    private static void requireJob(Object jobId, String source) {
        if (jobId == null || source == null || source.isBlank()) {
            throw new InvalidContentException("command without jobId or source");
        }
    }
}
