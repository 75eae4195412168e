package io.strata.common.command;

import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.model.JobId;
import java.time.Instant;

/**
 * Restore an archive someone uploaded (job kind {@code UPLOAD_RESTORE}): a {@code pg_dump} archive the gateway
 * stored at {@code upload.key()}, restored into a new database on the source's server, or over the source
 * database (after a safety backup) when {@code into.replace} is set. Its content is not Strata's own, so the
 * restore-worker runs it as a role that may do nothing outside the new database. What it made then belongs to
 * {@code owner} (an existing, unprivileged role of the source's server), or, when null, stays with that role.
 */
public record RestoreUpload(
        int schemaVersion,
        JobId jobId,
        String source,
        UploadedArchive upload,
        RestoreInto into,
        String owner,
        String requestId,
        Instant requestedAt)
        implements RestoreCommand {
    public static final int SCHEMA_VERSION = 1;

    /**
     * The stored upload: its object ({@code key}, {@code storedBytes} and {@code sha256} of the stored,
     * compressed and perhaps encrypted bytes), and the file as it was sent ({@code filename}, {@code format},
     * {@code uploadedBytes}, {@code uploadedSha256}).
     */
    public record UploadedArchive(
            String key,
            String filename,
            String format,
            long uploadedBytes,
            String uploadedSha256,
            long storedBytes,
            String sha256) {}

    @Override
    public String ceType() {
        return "strata.restore.upload.v1";
    }
}
