package io.strata.restore.drill;

import io.strata.common.command.RunRestoreDrill;
import io.strata.common.event.JobResult.DrillCheck;
import io.strata.common.event.JobResult.DrillResult;
import io.strata.common.event.JobResult.RestoreResult;
import io.strata.common.model.BackupKind;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest.TableRows;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobCancellation;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.postgres.PgTools;
import io.strata.restore.logical.LogicalRestore;
import io.strata.restore.pitr.DrillClusters;
import io.strata.restore.pitr.PointInTimeRestore.DrillCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RESTORE_DRILL job: restores one backup into a throw-away cluster on this host, checks it, and removes
 * it. A physical backup is restored with its chain (every object's SHA-256, then pg_verifybackup against the
 * backup's PostgreSQL manifest) and recovered to the end of the archived WAL, as a point-in-time restore to
 * "latest" would; a logical one is pg_restored into a fresh cluster. Then pg_amcheck checks the source's
 * database and every table's rows in it are counted, and for a logical backup compared with the counts the
 * backup recorded in the snapshot it dumped. The job succeeds with the report when every check passed, and fails
 * with {@code DRILL_CHECK_FAILED} naming what did not when one failed; a restore that fails fails the job
 * with its own code. The cluster is removed in every case.
 */
public class RestoreDrill {
    private static final Logger log = LoggerFactory.getLogger(RestoreDrill.class);
    static final String RESTORE = "restore";
    static final String AMCHECKING = "checking the restored cluster (pg_amcheck)";
    static final String COUNTING = "counting the rows of every table";
    static final String REMOVING = "removing the throw-away cluster";
    private final CatalogClient catalog;
    private final DrillClusters clusters;
    private final LogicalRestore logical;
    private final DrillChecks checks;
    private final Clock clock;

    public RestoreDrill(
            CatalogClient catalog, DrillClusters clusters, LogicalRestore logical, PgTools pgTools, Clock clock) {
        this.catalog = catalog;
        this.clusters = clusters;
        this.logical = logical;
        this.checks = new DrillChecks(pgTools);
        this.clock = clock;
    }

    /** @throws JobFailureException with the code the job fails with */
    public DrillResult run(RunRestoreDrill command, JobReporter reporter) throws IOException {
        Instant started = clock.instant();
        SourceConnection source = catalog.sourceConnection(command.source())
                .orElseThrow(() -> JobFailureException.sourceNotFound(command.source()));
        String backupId = command.backupId().toString();
        BackupView backup = catalog.backup(backupId)
                .filter(b -> command.source().equals(b.source()) && "SUCCEEDED".equals(b.status()))
                .orElseThrow(() -> new JobFailureException(
                        FailureCode.BACKUP_NOT_FOUND,
                        "Backup " + backupId + " is not a successful backup of source '" + command.source()
                                + "' (deleted, failed or unknown): there is nothing to drill.",
                        false));
        Path dir = clusters.claim(command.jobId().toString());
        boolean physical = backup.kind() == BackupKind.PHYSICAL;
        List<DrillCheck> found = new ArrayList<>();
        String recoveredTo;
        long restoredBytes;
        List<TableRows> recordedRows = null;
        DrillChecks.Counts counts;
        try (DrillCluster cluster =
                physical ? clusters.restore(source, backupId, dir, reporter) : clusters.fresh(dir)) {
            if (physical) {
                RestoreResult restored = cluster.restored();
                restoredBytes = restored.restoredBytes();
                recoveredTo = "end of the archived WAL: " + restored.endLsn() + " on timeline " + restored.timeline()
                        + (restored.recoveryStop() == null
                                        || restored.recoveryStop().isBlank()
                                ? ""
                                : " (" + restored.recoveryStop() + ")");
                found.add(new DrillCheck(
                        RESTORE,
                        true,
                        "the chain's objects matched their SHA-256, pg_verifybackup accepted the base backup, "
                                + restored.walSegments() + " WAL segments were replayed and the cluster promoted"));
            } else {
                LogicalRestore.DrilledDump drilled = logical.drill(
                        command.source(), command.backupId(), cluster.connection(), source.database(), reporter);
                restoredBytes = drilled.rawBytes();
                recordedRows = drilled.recordedRows();
                recoveredTo = "the dump's snapshot, taken " + backup.startedAt();
                found.add(new DrillCheck(
                        RESTORE,
                        true,
                        "the dump matched its SHA-256 and pg_restore restored it into a fresh cluster without error"));
            }
            reporter.step(AMCHECKING, 99);
            // the source is one database: a physical backup's other databases are other sources' (or nobody's)
            found.add(checks.amcheck(cluster.connection(), source.database()));
            reporter.step(COUNTING, 99);
            counts = checks.count(cluster.connection(), List.of(source.database()), JobCancellation::isRequested);
            found.add(counts.check());
            if (recordedRows != null) {
                found.add(DrillChecks.compare(source.database(), recordedRows, counts));
            }
            reporter.step(REMOVING, 99);
        } catch (SQLException e) {
            throw new JobFailureException(
                    FailureCode.DRILL_CHECK_FAILED,
                    "The restored cluster of backup " + backupId + " could not be queried: " + e.getMessage(),
                    false,
                    e);
        } finally {
            // a restore that failed half-way cleaned its own directory; the marker and anything else go here
            clusters.release(dir);
        }
        long millis = Duration.between(started, clock.instant()).toMillis();
        List<DrillCheck> failed =
                found.stream().filter(check -> !check.passed()).toList();
        if (!failed.isEmpty()) {
            throw new JobFailureException(
                    FailureCode.DRILL_CHECK_FAILED,
                    "Restore drill of backup " + backupId + " failed " + failed.size() + " of " + found.size()
                            + " checks: "
                            + String.join(
                                    "; ",
                                    failed.stream()
                                            .map(c -> c.name() + ": " + c.detail())
                                            .toList()),
                    false);
        }
        log.info(
                "restore drill of {} backup {} of {} passed in {} ms: {} tables, {} rows",
                backup.kind(),
                backupId,
                command.source(),
                millis,
                counts.tableCount(),
                counts.rows());
        return new DrillResult(
                backupId,
                backup.kind(),
                recoveredTo,
                restoredBytes,
                millis,
                counts.perDatabase().size(),
                counts.tableCount(),
                counts.rows(),
                counts.perDatabase(),
                counts.tables(),
                counts.tableCount() > counts.tables().size(),
                found,
                comparison(physical, recordedRows));
    }

    /** Whether the counts were checked against the backup's, and why not when they were not. */
    private static String comparison(boolean physical, List<TableRows> recorded) {
        if (physical) {
            return "not compared: a physical backup copies files while the database changes and the drill recovers"
                    + " it to the end of the archived WAL, so no count of the backup's could match; the counts are"
                    + " reported";
        }
        if (recorded == null) {
            return "not compared: this backup recorded no row counts (taken before Strata recorded them, with"
                    + " strata.backup.count-rows off, or its counting failed); the counts are reported";
        }
        return "compared: every table's rows against the " + recorded.size()
                + " tables' counts the backup made in the snapshot it dumped";
    }
}
