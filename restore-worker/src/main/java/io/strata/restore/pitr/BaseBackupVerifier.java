package io.strata.restore.pitr;

import io.strata.common.model.FailureCode;
import io.strata.platform.jobs.JobCancellation;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.ToolProcesses;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks an unpacked physical base backup: {@code pg_verifybackup}, run as the cluster's user, checks every
 * file against the manifest PostgreSQL wrote during the backup (the data directory was written by
 * {@link io.strata.common.blocks.BlockApplier}, each stored object's SHA-256 checked as it streamed).
 */
final class BaseBackupVerifier {
    private final PgTools pgTools;
    private final OsUser user;

    BaseBackupVerifier(PgTools pgTools, OsUser user) {
        this.pgTools = pgTools;
        this.user = user;
    }

    /**
     * Runs {@code pg_verifybackup} over the unpacked files: every file's size and checksum against the
     * backup_manifest PostgreSQL wrote while the backup ran. The WAL is checked separately (archive SHA-256s).
     */
    void verify(Path dataDir) {
        Process verify = start(
                List.of(pgTools.binary("pg_verifybackup").toString(), "--no-parse-wal", "--quiet", dataDir.toString()),
                "pg_verifybackup");
        ProcessOutput errors = ProcessOutput.drain(verify.getErrorStream());
        ProcessOutput output = ProcessOutput.drain(verify.getInputStream());
        int exit = ToolProcesses.awaitExit(verify, "pg_verifybackup");
        if (exit != 0) {
            throw new JobFailureException(
                    FailureCode.BACKUP_VERIFY_FAILED,
                    "pg_verifybackup found the restored files differ from the base backup's manifest: "
                            + (errors.tail() + " " + output.tail()).strip()
                            + ". The data directory was not started; restore from another base backup.",
                    false);
        }
    }

    private Process start(List<String> command, String tool) {
        try {
            Process process = new ProcessBuilder(user.command(command)).start();
            JobCancellation.track(process); // a cancelled restore stops unpacking and verifying at once
            return process;
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.INTERNAL, "Cannot start " + tool + ": " + e.getMessage(), false, e);
        }
    }
}
