package io.strata.platform.jobs;

import io.strata.common.model.JobKind;
import io.strata.platform.jobs.JobExecution.Outcome;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** What a worker does with the commands of one topic: read a record into the job it runs. */
public interface CommandHandler {

    /** The kind of job this topic's commands run (names a malformed command's job when it fails). */
    JobKind kind();

    /**
     * Reads {@code record} into its job, not running anything yet. Throws (any runtime exception) when the
     * record is not a valid command of this topic: it is then parked on the topic's {@code .dlt}.
     */
    ClaimableJob read(ConsumerRecord<String, String> record);

    /**
     * A job read from a command: its reporter (which names the job), the step it starts with, its work, and
     * what to do with its outcome once it ran (metrics).
     */
    record ClaimableJob(JobReporter reporter, String firstStep, JobExecution.Work work, Consumer<Outcome> finished) {
        public ClaimableJob(JobReporter reporter, String firstStep, JobExecution.Work work) {
            this(reporter, firstStep, work, outcome -> {});
        }
    }
}
