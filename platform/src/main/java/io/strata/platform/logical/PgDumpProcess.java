package io.strata.platform.logical;

import io.strata.common.model.FailureCode;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import io.strata.platform.postgres.SourceErrors;
import io.strata.platform.postgres.StallWatchdog;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** One running {@code pg_dump -Fc}: its stdout is the archive, its stderr is kept for the error message. */
final class PgDumpProcess {
    private final Process process;
    private final ProcessOutput stderr;
    private final LogicalBackupRequest request;

    private PgDumpProcess(Process process, LogicalBackupRequest request) {
        this.process = process;
        this.stderr = ProcessOutput.drain(process.getErrorStream());
        this.request = request;
    }

    /** Starts pg_dump; with {@code snapshot} (an id {@link DumpSnapshots} checked), it dumps that snapshot. */
    static PgDumpProcess start(PgTools pgTools, LogicalBackupRequest request, String snapshot) {
        // -Z0: zstd compresses better and faster than pg_dump's gzip. The database comes from PGDATABASE
        // (set by PgTools), which, unlike -d, is never parsed as a connection string.
        List<String> args = new ArrayList<>(List.of("-Fc", "-Z0", "--no-password"));
        if (request.schemaOnly()) {
            args.add("--schema-only");
        }
        if (snapshot != null) {
            args.add("--snapshot=" + snapshot);
        }
        try {
            Process process = pgTools.command(request.source(), request.database(), "pg_dump", args)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            return new PgDumpProcess(process, request);
        } catch (IOException | IllegalStateException e) {
            throw new JobFailureException(
                    FailureCode.PG_DUMP_FAILED, "Could not start pg_dump: " + e.getMessage(), false, e);
        }
    }

    InputStream stdout() {
        return process.getInputStream();
    }

    /**
     * Waits for pg_dump to exit; anything but exit code 0 means the archive is incomplete. A pg_dump the
     * watchdog killed because the source went silent fails as SOURCE_TIMEOUT.
     */
    void awaitSuccess(StallWatchdog watchdog) {
        int exit = ToolProcesses.awaitExit(process, "pg_dump");
        if (watchdog.stalled()) {
            throw new JobFailureException(
                    FailureCode.SOURCE_TIMEOUT,
                    SourceErrors.stalledMessage(
                            request.source(),
                            "dumping",
                            request.source().timeoutsOrDefault().io()),
                    true);
        }
        if (exit != 0) {
            throw failure(exit, stderr.tail());
        }
    }

    private JobFailureException failure(int exit, String errorText) {
        var source = request.source();
        if (SourceErrors.toolCannotConnect(errorText)) {
            return new JobFailureException(
                    FailureCode.SOURCE_TIMEOUT, SourceErrors.cannotConnectMessage(source, "starting pg_dump"), true);
        }
        String how = ToolProcesses.describeExit(exit);
        String message = "pg_dump of database '" + request.database() + "' of source '" + source.name() + "' at "
                + source.host() + ":" + source.port() + " " + how + ": "
                + (errorText.isBlank() ? "(no error output)" : errorText.strip());
        String hint = PgErrorHints.hint(errorText, source.host(), source.port(), request.database(), source.username());
        return new JobFailureException(
                FailureCode.PG_DUMP_FAILED, PgErrorHints.withHint(message, hint), PgErrorHints.isTransient(errorText));
    }

    /** Kills pg_dump if it still runs (our side failed) and reaps it. */
    void destroy() {
        ToolProcesses.destroy(process);
    }
}
