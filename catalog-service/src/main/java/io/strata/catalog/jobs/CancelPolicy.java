package io.strata.catalog.jobs;

import io.strata.common.model.JobKind;
import java.util.Optional;
import java.util.Set;

/**
 * Which running jobs may be cancelled, free of storage. A DELETE only before it has forgotten its backups
 * (step {@code starting}). Backups, verify and WAL cleanup at any step: a
 * backup writes its manifest last, so a stopped one leaves no backup (its objects are removed; the orphan
 * sweep catches what a crash leaves). A restore only at steps whose work is undone on the way out:
 *
 * <ul>
 *   <li>logical: {@code downloading}, {@code restoring} (the new or temporary database is dropped) and
 *       {@code safety backup} (nothing was changed yet); not {@code swapping}, the rename of the restored
 *       copy into place;
 *   <li>point-in-time: {@code downloading base backup}, {@code verifying base backup}, {@code replaying WAL}
 *       (the server is stopped and the data directory removed); not {@code checking restored cluster},
 *       after promotion, when the restore is done in moments.
 * </ul>
 *
 * The worker holds the same line: once a restore passed its point of no return it finishes, even if a
 * cancel raced in.
 */
final class CancelPolicy {
    static final Set<String> CANCELLABLE_RESTORE_STEPS = Set.of(
            "starting",
            "downloading",
            "safety backup",
            "restoring",
            "downloading base backup",
            "verifying base backup",
            "replaying WAL");

    private CancelPolicy() {}

    /** Why the RUNNING {@code job} must not be cancelled now; empty when it may. */
    static Optional<String> refusal(Job job) {
        JobKind kind = job.origin().kind();
        String step = job.state().currentStep();
        return switch (kind) {
            // a drill touches nothing but its own throw-away cluster, which it removes however it ends
            case BACKUP, VERIFY, WAL_CLEANUP, RESTORE_DRILL -> Optional.empty();
            case DELETE, RETENTION ->
                step == null || "starting".equals(step)
                        ? Optional.empty()
                        : Optional.of("Job " + job.jobId() + " is deleting backups the catalog has already forgotten"
                                + " (step '" + step + "'); it removes their objects and ends on its own.");
            case RESTORE, UPLOAD_RESTORE -> {
                if (step == null || CANCELLABLE_RESTORE_STEPS.contains(step)) {
                    yield Optional.empty();
                }
                yield Optional.of("Job " + job.jobId() + " is a restore at step '" + step + "', which cannot be"
                        + " interrupted safely: " + why(step) + " A restore can be cancelled while it is "
                        + String.join(
                                ", ",
                                CANCELLABLE_RESTORE_STEPS.stream().sorted().toList()) + ".");
            }
        };
    }

    private static String why(String step) {
        return switch (step) {
            case "swapping" ->
                "the restored copy is being renamed into place; stopped half-way, neither database might carry the"
                        + " name. It takes a moment: the job ends on its own.";
            case "checking restored cluster" ->
                "the restored cluster has recovered and promoted; it is done in moments. Stop and remove it"
                        + " afterwards if it is not wanted.";
            default -> "this step undoes nothing it did if stopped.";
        };
    }
}
