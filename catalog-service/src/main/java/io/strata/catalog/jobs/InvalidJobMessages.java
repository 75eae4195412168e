package io.strata.catalog.jobs;

import io.strata.catalog.invalid.EventText;
import io.strata.catalog.invalid.InvalidEvents;
import io.strata.catalog.jobs.JobTransitions.Transition;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.model.FailureCode;
import io.strata.platform.messaging.IncomingMessages;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What happens to a job event or command the catalog cannot apply because of its content: it goes to the
 * invalid-event log and its job is FAILED with {@code INVALID_EVENT}, in one transaction. A job must not
 * stay RUNNING forever because its outcome could not be stored, nor the record vanish on a dead-letter
 * topic nobody reads.
 */
@Service
class InvalidJobMessages {
    static final String CODE = FailureCode.INVALID_EVENT.name();
    private static final int MAX_MESSAGE = 2_000;
    private final JobStore jobs;
    private final CatalogFailures failures;
    private final LeaseFence fence;
    private final InvalidEvents invalid;
    private final Clock clock;

    InvalidJobMessages(JobStore jobs, CatalogFailures failures, LeaseFence fence, InvalidEvents invalid, Clock clock) {
        this.jobs = jobs;
        this.failures = failures;
        this.fence = fence;
        this.invalid = invalid;
        this.clock = clock;
    }

    /** Records {@code record}, refused for {@code problem}, and fails the job it names unless that job ended. */
    @Transactional
    void reject(ConsumerRecord<String, String> record, String problem) {
        Instant now = clock.instant();
        NamedJob named = NamedJob.of(record, now);
        String outcome = named.jobId() == null
                ? "no job is named (neither in the payload nor in strata_job_id), so none was failed"
                : fail(record, named, now, problem);
        invalid.record(record, named.jobId(), named.what() + " not applied: " + problem + "; " + outcome);
    }

    private String fail(ConsumerRecord<String, String> record, NamedJob named, Instant now, String problem) {
        if (named.origin() != null) {
            jobs.insertIfAbsent(named.origin());
        }
        Optional<Job> found = jobs.lock(named.jobId());
        if (found.isEmpty()) {
            return "job " + named.jobId() + " is unknown to the catalog, so none was failed";
        }
        Job job = found.get();
        if (fence.isStale(job, LeaseFence.tokenIfReadable(record), named.what())) {
            return "job " + job.jobId() + " left as it is: the record comes from a worker whose lease was superseded";
        }
        return switch (failures.fail(job, now, CODE, jobMessage(record, named, problem))) {
            case Transition.Ignored ignored -> "job " + job.jobId() + " left as it is: " + ignored.reason();
            case Transition.Applied applied -> "job " + job.jobId() + " FAILED with " + CODE;
        };
    }

    private static String jobMessage(ConsumerRecord<String, String> record, NamedJob named, String problem) {
        String ceId = IncomingMessages.header(record, CloudEventHeaders.ID);
        String message = "The catalog could not record " + named.what()
                + (ceId == null ? "" : " (ce_id " + ceId + ")") + ": " + problem
                + ". The work may have run or completed, but the catalog cannot record its outcome; the record is"
                + " kept in the catalog's invalid-event log (GET /internal/v1/invalid-events).";
        return EventText.line(message, MAX_MESSAGE);
    }
}
