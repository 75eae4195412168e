package io.strata.common.command;

import io.strata.common.model.JobId;
import java.time.Instant;

/**
 * Remove archived WAL older than {@code keepDays} days, except what a kept base backup or restore point
 * still needs (the catalog decides which; see its WAL cleanup plan).
 */
public record CleanWal(
        int schemaVersion, JobId jobId, String source, int keepDays, String requestId, Instant requestedAt)
        implements WalCommand {
    public static final int SCHEMA_VERSION = 1;

    @Override
    public String ceType() {
        return "strata.wal.cleanup.v1";
    }
}
