package io.strata.common.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.strata.common.messaging.Message;
import io.strata.common.model.JobId;

/** Commands on {@code strata.backup.commands}, keyed by source name. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "command")
@JsonSubTypes({
    @JsonSubTypes.Type(value = TakeBackup.class, name = "TakeBackup"),
    @JsonSubTypes.Type(value = VerifyBackup.class, name = "VerifyBackup"),
    @JsonSubTypes.Type(value = DeleteBackup.class, name = "DeleteBackup"),
    @JsonSubTypes.Type(value = ApplyRetention.class, name = "ApplyRetention")
})
public sealed interface BackupCommand extends Message permits TakeBackup, VerifyBackup, DeleteBackup, ApplyRetention {
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
