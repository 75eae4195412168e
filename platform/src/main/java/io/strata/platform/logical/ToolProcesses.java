package io.strata.platform.logical;

import io.strata.common.model.FailureCode;
import io.strata.platform.jobs.JobFailureException;
import java.util.concurrent.TimeUnit;

/** Waiting for, describing and killing PostgreSQL's client programs (pg_dump, pg_restore). */
public final class ToolProcesses {
    private static final long REAP_SECONDS = 10;

    private ToolProcesses() {}

    /** Waits for the process to exit and returns its exit code; an interrupt fails the job as INTERNAL. */
    public static int awaitExit(Process process, String tool) {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobFailureException(FailureCode.INTERNAL, "Interrupted while " + tool + " ran", true, e);
        }
    }

    /** "exited with code 1" or, for a process ended by a signal (exit code 128 + n), "was killed by signal 9". */
    public static String describeExit(int exit) {
        return exit > 128 ? "was killed by signal " + (exit - 128) : "exited with code " + exit;
    }

    /** Kills the process if it still runs (our side failed) and reaps it, so no child outlives its job. */
    public static void destroy(Process process) {
        if (process.isAlive()) {
            // its workers first (pg_restore -j forks them): none may go on talking to the source
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(REAP_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
