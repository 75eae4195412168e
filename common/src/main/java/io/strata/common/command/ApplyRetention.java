package io.strata.common.command;

import io.strata.common.model.JobId;
import java.time.Instant;

/**
 * Apply a source's retention rules now (a RETENTION job): the catalog plans again from its policy, forgets
 * the backups and the WAL the plan deletes (what {@code POST /sources/{name}/retention/preview} shows at
 * that moment), then the objects are removed from storage, each backup's {@code manifest.json} first.
 */
public record ApplyRetention(int schemaVersion, JobId jobId, String source, String requestId, Instant requestedAt)
        implements BackupCommand {
    public static final int SCHEMA_VERSION = 1;

    @Override
    public String ceType() {
        return "strata.backup.retention.v1";
    }
}
