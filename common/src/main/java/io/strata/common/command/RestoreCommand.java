package io.strata.common.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.strata.common.messaging.Message;
import io.strata.common.model.JobId;

/** Commands on {@code strata.restore.commands}, keyed by source name. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "command")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RestoreBackup.class, name = "RestoreBackup"),
    @JsonSubTypes.Type(value = RunRestoreDrill.class, name = "RunRestoreDrill"),
    @JsonSubTypes.Type(value = RestoreUpload.class, name = "RestoreUpload")
})
public sealed interface RestoreCommand extends Message permits RestoreBackup, RunRestoreDrill, RestoreUpload {
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
