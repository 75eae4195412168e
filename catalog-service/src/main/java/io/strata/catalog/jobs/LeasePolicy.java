package io.strata.catalog.jobs;

import io.strata.catalog.jobs.Job.Lease;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * What a lost worker means for its job, free of storage like {@link JobTransitions}: which kinds may run
 * again, when a job whose worker was lost runs again or ends {@code WORKER_LOST}, and what the catalog says
 * when it refuses a claim or a heartbeat. {@link LeaseStore}'s claim applies the same rule in SQL, with the
 * kinds and the limit it takes from here.
 *
 * @param maxAttempts how many workers may start a job that is safe to repeat
 */
record LeasePolicy(int maxAttempts) {

    /**
     * Whether a job of {@code kind} may start again after its worker was lost part-way. A backup writes its
     * manifest last, so a second run replaces whatever the first left; verify and WAL cleanup read, or delete
     * what is already gone. A restore changes a server: a second run over a half-done first one is not safe.
     */
    static boolean isSafeToRepeat(JobKind kind) {
        return switch (kind) {
            case BACKUP, VERIFY, WAL_CLEANUP, DELETE, RETENTION, RESTORE_DRILL -> true;
            case RESTORE, UPLOAD_RESTORE -> false;
        };
    }

    /** The kinds safe to repeat, by name, for SQL. */
    static List<String> repeatableKinds() {
        return Arrays.stream(JobKind.values())
                .filter(LeasePolicy::isSafeToRepeat)
                .map(Enum::name)
                .toList();
    }

    /** Whether a job whose worker was just lost, after {@code lostBefore} others, may run again. */
    boolean mayRunAgain(JobKind kind, int lostBefore) {
        return isSafeToRepeat(kind) && lostBefore + 1 < maxAttempts;
    }

    /** What becomes of a RUNNING job whose lease expired. */
    Expiry onExpiry(Job job) {
        return onExpiry(job, null);
    }

    /**
     * What becomes of a RUNNING job whose lease expired; {@code into}, when known, is where its restore was
     * writing (from its command), so the message can name what may be left there.
     */
    Expiry onExpiry(Job job, RestoreInto into) {
        Lease lease = job.lease();
        String lost = lease.owner() + " stopped renewing its lease at " + lastRenewal(lease);
        if (mayRunAgain(job.origin().kind(), lease.lostLeases())) {
            return new Expiry.Requeue("waiting for a worker: " + lost);
        }
        if (!isSafeToRepeat(job.origin().kind())) {
            return new Expiry.Fail("The worker " + lost + " (the lease expired at " + lease.expiresAt()
                    + ") and is presumed lost; a " + job.origin().kind()
                    + " is not safe to run twice, so it was not offered again. "
                    + leftBehind(job.origin().kind(), into));
        }
        int tries = lease.lostLeases() + 1;
        return new Expiry.Fail("Tried " + tries + " times; each time its worker was lost (the last one, " + lost
                + "). It is not offered again: check why the workers stop (their logs, memory, disk, restarts)"
                + " before asking for it again.");
    }

    /** Why a claim of {@code job} by {@code owner} at {@code now} was refused (answered 409). */
    String claimRefusal(Job job, String owner, Instant now) {
        JobState state = job.state();
        Lease lease = job.lease();
        String id = "Job " + job.jobId();
        if (state.status().isTerminal()) {
            return id + " already ended: it is " + state.status()
                    + (state.finishedAt() == null ? "" : " since " + state.finishedAt()) + "; there is nothing to run.";
        }
        if (state.status() == JobStatus.RUNNING) {
            boolean live = lease.expiresAt() != null && lease.expiresAt().isAfter(now);
            JobKind kind = job.origin().kind();
            if (live && !lease.owner().equals(owner)) {
                return id + " is held by " + lease.owner() + " until " + lease.expiresAt() + " (lease " + lease.token()
                        + ", renewed by its heartbeats); it must not run twice, so leave it to that worker.";
            }
            if (!live && !isSafeToRepeat(kind)) {
                return id + " lost its worker (" + whoHeldIt(lease) + ") and a " + kind
                        + " is not safe to run twice; the lease sweeper ends it FAILED with WORKER_LOST.";
            }
            if (!live) {
                return id + " has lost its worker " + (lease.lostLeases() + 1) + " times (last " + whoHeldIt(lease)
                        + "), the most allowed; the lease sweeper ends it FAILED with WORKER_LOST.";
            }
        }
        return id + " changed while it was being claimed (it is " + state.status() + " now); retry the claim.";
    }

    /** Why {@code owner}'s heartbeat with {@code token} for {@code job} was refused: its lease is lost. */
    String renewalRefusal(Job job, String owner, long token) {
        JobState state = job.state();
        Lease lease = job.lease();
        String id = "Job " + job.jobId();
        String stop = "; stop working on it.";
        return switch (state.status()) {
            case SUCCEEDED, FAILED, CANCELLED ->
                id + " ended: it is " + state.status()
                        + (state.errorCode() == null ? "" : " (" + state.errorCode() + ")") + stop;
            case QUEUED ->
                id + " waits for a worker again: the lease of " + owner + " (token " + token
                        + ") expired and was taken back" + stop;
            case RUNNING ->
                id + " is held by " + (lease.owner() == null ? "no worker" : lease.owner()) + " with lease "
                        + lease.token() + ", not by " + owner + " with lease " + token + stop;
        };
    }

    private static Instant lastRenewal(Lease lease) {
        return lease.heartbeatAt() != null ? lease.heartbeatAt() : lease.expiresAt();
    }

    private static String whoHeldIt(Lease lease) {
        if (lease.owner() == null) {
            return "it was started before job leases existed and has no owner";
        }
        return lease.expiresAt() == null
                ? lease.owner() + " holds no lease"
                : lease.owner() + "'s lease expired at " + lease.expiresAt();
    }

    private static final String UPLOAD_LEFTOVERS = " The role the upload was restored as (strata_upload_*) may be left"
            + " on that server (DROP OWNED BY it, then DROP ROLE), and the uploaded file in storage under"
            + " <source>/uploads/<jobId>/.";

    private static String leftBehind(JobKind kind, RestoreInto into) {
        if (into != null && (kind == JobKind.RESTORE || kind == JobKind.UPLOAD_RESTORE)) {
            if (into.dataDirectory() != null) {
                return "The point-in-time restore was writing the data directory '" + into.dataDirectory()
                        + "' (a bare name is under the restore-worker's first data root)"
                        + (into.port() == null ? "" : " for a server on port " + into.port())
                        + ": it may be half-made, and a recovering server may still run there. Stop it (pg_ctl -D"
                        + " <dir> -m immediate stop) and remove the directory before restoring into it again.";
            }
            if (!into.replace() && into.database() != null) {
                return "The restore was creating database '" + into.database()
                        + "' on the source's server: it may exist half-restored; drop it before asking again."
                        + (kind == JobKind.UPLOAD_RESTORE ? UPLOAD_LEFTOVERS : "");
            }
        }
        return switch (kind) {
            case UPLOAD_RESTORE ->
                "A replace restore may have left a temporary database (strata_restore_*) on the source server: check"
                        + " and remove it. The original database is only replaced at the very end, so it is either"
                        + " fully replaced or untouched." + UPLOAD_LEFTOVERS;
            case RESTORE ->
                "A point-in-time restore may have left a half-made data directory under the restore-worker's data"
                        + " roots; a replace restore may have left a temporary database (strata_restore_*) on the"
                        + " source server: check and remove it. The original database is only replaced at the very"
                        + " end, so it is either fully replaced or untouched.";
            case BACKUP, VERIFY, WAL_CLEANUP -> "";
            case RESTORE_DRILL ->
                "Its throw-away cluster may still be on the lost worker's host; the next drill there removes it.";
            case DELETE, RETENTION ->
                "The catalog had forgotten the backups; some of their objects may be left in storage (wasted space"
                        + " only: the orphan sweep removes objects without a manifest).";
        };
    }

    /** What the sweeper does with a job whose lease expired. */
    sealed interface Expiry {
        /** Back to QUEUED for another worker, showing {@code step}. */
        record Requeue(String step) implements Expiry {}

        /** FAILED with {@code WORKER_LOST} and {@code message}. */
        record Fail(String message) implements Expiry {}
    }
}
