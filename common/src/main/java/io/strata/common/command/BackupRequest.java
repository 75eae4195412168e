package io.strata.common.command;

import io.strata.common.messaging.Message;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;

/**
 * A backup asked for by another service on {@code strata.backup.requests}. The gateway validates it and
 * turns it into a job; every event of that job carries {@code requestId}.
 */
public record BackupRequest(
        int schemaVersion,
        String requestId,
        String source,
        BackupKind kind,
        BackupType type,
        Boolean schemaOnly,
        String description)
        implements Message {
    public static final int SCHEMA_VERSION = 1;

    @Override
    public String ceType() {
        return "strata.backup.request.v1";
    }

    @Override
    public String kafkaKey() {
        return source;
    }
}
