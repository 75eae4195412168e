package io.strata.common.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.strata.common.messaging.Message;
import io.strata.common.model.JobId;

/** Commands on {@code strata.wal.commands}, keyed by source name, for the wal-archiver. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "command")
@JsonSubTypes({@JsonSubTypes.Type(value = CleanWal.class, name = "CleanWal")})
public sealed interface WalCommand extends Message permits CleanWal {
    JobId jobId();

    String source();

    @Override
    default String kafkaKey() {
        return source();
    }

    @Override
    default String jobIdHeader() {
        return jobId().toString();
    }
}
