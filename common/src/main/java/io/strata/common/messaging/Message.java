package io.strata.common.messaging;

/** Anything Strata puts on Kafka: it knows its CloudEvents type and the Kafka key it is ordered by. */
public interface Message {
    int schemaVersion();

    /** The {@code ce_type} header, e.g. {@code strata.job.progress.v1}. */
    String ceType();

    /** The Kafka record key: the aggregate whose order must hold (source name or job id). */
    String kafkaKey();

    /** The job this message belongs to, for the {@code strata_job_id} header; null when none. */
    default String jobIdHeader() {
        return null;
    }
}
