package io.strata.restore.logical;

import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.PgErrorHints;
import io.strata.platform.logical.ToolProcesses;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import io.strata.platform.postgres.SourceErrors;
import io.strata.platform.postgres.SourcePulse;
import io.strata.platform.postgres.StallWatchdog;
import io.strata.platform.postgres.ToolCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Runs {@code pg_restore} on a downloaded custom-format archive. */
class PgRestoreRunner {
    private final PgTools pgTools;

    PgRestoreRunner(PgTools pgTools) {
        this.pgTools = pgTools;
    }

    /** How many entries the archive's table of contents lists ({@code pg_restore -l}). */
    int countEntries(SourceConnection source, Path archive) {
        Process process =
                start(pgTools.command(source, source.database(), "pg_restore", List.of("-l", archive.toString())));
        ProcessOutput stderr = ProcessOutput.drain(process.getErrorStream());
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            int entries = RestoreProgress.countTocEntries(out.lines().toList());
            awaitSuccess(process, stderr, source, "read the archive's table of contents");
            return entries;
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.PG_RESTORE_FAILED, "Cannot read pg_restore -l: " + e.getMessage(), true, e);
        } finally {
            ToolProcesses.destroy(process);
        }
    }

    /**
     * Restores the archive into an existing, empty {@code database}, stopping at the first error, with
     * {@code options} besides (e.g. {@code --no-privileges}: no GRANT or REVOKE, for a cluster without the source's
     * roles); {@code progress} sees each line of pg_restore's verbose output.
     */
    void restore(
            SourceConnection source,
            String database,
            Path archive,
            int jobs,
            List<String> options,
            Consumer<String> progress) {
        List<String> args = new java.util.ArrayList<>(
                List.of("-v", "-j", Integer.toString(jobs), "--exit-on-error", "--no-owner", "--no-password"));
        args.addAll(options);
        args.addAll(List.of("-d", database, archive.toString()));
        Process process = start(
                pgTools.command(source, database, "pg_restore", args).redirectOutput(ProcessBuilder.Redirect.DISCARD));
        AtomicLong lines = new AtomicLong();
        Duration silence = Duration.ofSeconds(source.timeoutsOrDefault().io());
        // pg_restore is silent while the server works (an index build): a pulse on the side tells a busy
        // server from one that stopped answering, which alone fails the job SOURCE_TIMEOUT
        try (SourcePulse pulse = SourcePulse.start(pgTools, source, database, SourcePulse.every(silence));
                StallWatchdog watchdog = StallWatchdog.watch(
                        () -> lines.get() + pulse.beats(), silence, () -> ToolProcesses.destroy(process))) {
            ProcessOutput stderr = ProcessOutput.drain(process.getErrorStream(), line -> {
                lines.incrementAndGet();
                progress.accept(line);
            });
            String what = "restore into database '" + database + "'";
            int exit = ToolProcesses.awaitExit(process, "pg_restore");
            if (watchdog.stalled()) {
                throw new JobFailureException(
                        FailureCode.SOURCE_TIMEOUT,
                        SourceErrors.stalledMessage(source, "restoring (pg_restore)", silence.toSeconds()),
                        true);
            }
            requireSuccess(exit, stderr, source, what);
        } finally {
            ToolProcesses.destroy(process);
        }
    }

    private static Process start(ToolCommand command) {
        try {
            return command.start();
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.PG_RESTORE_FAILED, "Could not start pg_restore: " + e.getMessage(), false, e);
        }
    }

    private static void awaitSuccess(Process process, ProcessOutput stderr, SourceConnection source, String what) {
        requireSuccess(ToolProcesses.awaitExit(process, "pg_restore"), stderr, source, what);
    }

    private static void requireSuccess(int exit, ProcessOutput stderr, SourceConnection source, String what) {
        if (exit != 0) {
            String errors = stderr.tail();
            if (SourceErrors.toolCannotConnect(errors)) {
                throw new JobFailureException(
                        FailureCode.SOURCE_TIMEOUT,
                        SourceErrors.cannotConnectMessage(source, "restoring: " + what),
                        true);
            }
            String how = ToolProcesses.describeExit(exit);
            String hint = PgErrorHints.hint(errors, source.host(), source.port(), source.database(), source.username());
            throw new JobFailureException(
                    FailureCode.PG_RESTORE_FAILED,
                    PgErrorHints.withHint(
                            "pg_restore could not " + what + ": it " + how + ": " + lastErrors(errors), hint),
                    PgErrorHints.isTransient(errors));
        }
    }

    /** pg_restore -v interleaves progress with errors; the message keeps only the error lines, if any. */
    static String lastErrors(String tail) {
        List<String> errors = tail.lines()
                .filter(line -> line.contains("error:")
                        || line.contains("ERROR:")
                        || line.contains("FATAL:")
                        || line.contains("DETAIL:")
                        || line.contains("Command was:"))
                .toList();
        return errors.isEmpty() ? tail.strip() : String.join("\n", errors);
    }
}
