package io.strata.devstack.demo;

import io.strata.devstack.Ports;
import io.strata.devstack.RestoredClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The physical headline: with WAL archived continuously, a FULL and an INCREMENTAL physical backup are
 * taken while the shop writes invoices; the invoices are deleted two seconds after a noted time T, and a
 * point-in-time restore to T, starting from the INCREMENTAL's chain, builds a new cluster holding exactly
 * the invoices of T.
 */
final class PointInTimeRoundTrip {
    private static final int INVOICES_BEFORE_INCREMENTAL = 500;
    private static final int INVOICES_BEFORE_T = 250;
    private static final Duration MISTAKE_AFTER_T = Duration.ofSeconds(2);
    private static final Duration ARCHIVING_TIMEOUT = Duration.ofSeconds(60);

    private final StrataApi api;
    private final JobWatcher watcher;
    private final DemoDatabase database;
    private final RestoredClusters clusters;
    private final Steps steps;

    PointInTimeRoundTrip(
            StrataApi api, JobWatcher watcher, DemoDatabase database, RestoredClusters clusters, Steps steps) {
        this.api = api;
        this.watcher = watcher;
        this.database = database;
        this.clusters = clusters;
        this.steps = steps;
    }

    /** Returns normally once the restored cluster holds the invoices of T; a {@link DemoFailure} otherwise. */
    void run() throws Exception {
        List<String> chain = backUpWhileTheShopWrites();
        DemoDatabase.Moment t = writeThenMakeTheMistake();
        restoreTo(t, chain);
    }

    /** Steps: archiving on, a FULL backup, new invoices, an INCREMENTAL one. Returns the chain's backup ids. */
    private List<String> backUpWhileTheShopWrites() throws Exception {
        steps.next("Switching on continuous WAL archiving for " + Demo.SOURCE);
        enableArchiving();

        steps.next("Taking a FULL physical backup (BASE_BACKUP over the replication protocol)");
        Views.Backup full = physicalBackup("FULL");

        steps.next("Writing " + INVOICES_BEFORE_INCREMENTAL + " new invoices, then an INCREMENTAL physical backup");
        database.addInvoices(INVOICES_BEFORE_INCREMENTAL);
        Views.Backup incremental = physicalBackup("INCREMENTAL");
        if (!"INCREMENTAL".equals(incremental.type()) || !full.backupId().equals(incremental.parentBackupId())) {
            throw new DemoFailure("backup " + incremental.backupId() + " is " + incremental.type() + " with parent "
                    + incremental.parentBackupId() + ", not an INCREMENTAL on top of " + full.backupId()
                    + (incremental.typeReason() == null ? "" : " (" + incremental.typeReason() + ")"));
        }
        return List.of(full.backupId(), incremental.backupId());
    }

    /** Step: more invoices, the time T noted with the invoices as they are then, and the DELETE 2 s later. */
    private DemoDatabase.Moment writeThenMakeTheMistake() throws Exception {
        steps.next("Writing " + INVOICES_BEFORE_T + " more invoices, noting the time T, and two seconds later...");
        database.addInvoices(INVOICES_BEFORE_T);
        DemoDatabase.Moment t = database.now();
        steps.detail(
                "T = " + t.time() + " (the server's clock): " + t.invoices().describe());
        Thread.sleep(MISTAKE_AFTER_T.toMillis()); // the story's two seconds, not a wait for the stack
        long deleted = database.deleteAllInvoices();
        steps.detail("oops, at T + 2 s: DELETE FROM invoices; deleted " + deleted + " rows");
        return t;
    }

    /** Steps: preview, restore into a new cluster, compare with T; the cluster is stopped and removed after. */
    private void restoreTo(DemoDatabase.Moment t, List<String> chain) throws Exception {
        String name = "demo_shop_pitr_" + LocalTime.now().format(DateTimeFormatter.ofPattern("HHmmss"));
        int port = Ports.free();
        Map<String, Object> restore = Map.of(
                "source", Demo.SOURCE,
                "target", Map.of("time", t.time().toString()),
                "into", Map.of("dataDirectory", name, "port", port));
        steps.next("Previewing a point-in-time restore to T into a new cluster");
        preview(restore, chain);

        steps.next("Restoring to T into a new cluster: data directory " + name + ", port " + port);
        Views.RestoreResult cluster =
                watcher.run("restore", "/restores", restore).requireCluster();
        steps.detail("running on port " + cluster.port() + ", data in " + cluster.dataDirectory());
        steps.detail("PostgreSQL: " + cluster.whereRecoveryStopped());

        Path dataDirectory = Path.of(cluster.dataDirectory());
        if (!dataDirectory.isAbsolute()
                || !dataDirectory.getFileName().toString().equals(name)) {
            // the demo deletes this directory at the end: only the one it asked for
            throw new DemoFailure("the restore reports data directory " + dataDirectory + ", not the " + name
                    + " asked for; it is left as it is");
        }
        try (AutoCloseable removal = () -> remove(dataDirectory)) {
            steps.next("Comparing the restored cluster with T");
            DemoDatabase.Snapshot restored = database.restoredOn(cluster.port()).snapshot(DemoDatabase.DATABASE);
            steps.detail("at T:     " + t.invoices().describe());
            steps.detail("restored: " + restored.describe());
            t.invoices().requireRestoredAs(restored, "the cluster restored to T");
            steps.detail("every invoice written before T is back, and the DELETE is not");
        }
    }

    private void enableArchiving() throws Exception {
        String source = "/sources/" + Demo.SOURCE;
        api.expect(api.put(source + "/wal-archiving", Map.of("enabled", true)), 200, "switching on WAL archiving");
        Deadline deadline = Deadline.in(ARCHIVING_TIMEOUT);
        Views.WalStatus wal = api.read(source + "/wal", Views.WalStatus.class);
        while (!wal.healthy()) {
            deadline.pause(
                    "WAL archiving of " + Demo.SOURCE + " did not become healthy",
                    wal.reason() + "; see ./strata logs wal-archiver");
            wal = api.read(source + "/wal", Views.WalStatus.class);
        }
        steps.detail("healthy: archived up to " + wal.archivedLsn() + ", " + wal.segments() + " segment(s), lag "
                + Bytes.of(wal.lagBytes()));
    }

    private Views.Backup physicalBackup(String type) throws Exception {
        Views.Job job = watcher.run(
                "backup",
                "/backups",
                Map.of("source", Demo.SOURCE, "kind", "PHYSICAL", "type", type, "description", "strata demo"));
        Views.Backup backup = api.read("/backups/" + job.requireBackupId(), Views.Backup.class);
        String changes = "FULL".equals(backup.type())
                ? ""
                : ", changed " + Bytes.of(backup.changedBytes()) + " of " + Bytes.of(backup.readBytes()) + " read";
        steps.detail("backup " + backup.backupId() + ": " + backup.type() + changes + ", stored "
                + Bytes.of(backup.storedBytes()));
        return backup;
    }

    /** Prints what a restore to T would download; it must start from {@code expectedChain}, FULL first. */
    private void preview(Map<String, Object> restore, List<String> expectedChain) throws Exception {
        Views.Preview preview = awaitReachable(restore);
        for (Views.PreviewBackup backup : preview.backups()) {
            steps.detail(String.format(
                    Locale.ROOT,
                    "%-11s %s  finished %s  stored %s",
                    backup.type(),
                    backup.backupId(),
                    backup.finishedAt(),
                    Bytes.of(backup.storedBytes())));
        }
        steps.detail("then " + preview.walSegments() + " WAL segment(s), " + Bytes.of(preview.walBytes())
                + "; download " + Bytes.of(preview.downloadBytes()) + " in all, estimated "
                + preview.estimatedSeconds() + " s");
        List<String> chain =
                preview.backups().stream().map(Views.PreviewBackup::backupId).toList();
        if (!chain.equals(expectedChain)) {
            throw new DemoFailure("a restore to T would start from " + chain + ", not from the chain " + expectedChain);
        }
    }

    /** The preview once the archive reaches T: the WAL of the last second may still be on its way. */
    private Views.Preview awaitReachable(Map<String, Object> restore) throws Exception {
        Deadline deadline = Deadline.in(ARCHIVING_TIMEOUT);
        while (true) {
            StrataApi.Response answer = api.post("/restores/preview", restore);
            Views.Problem refusal = answer.status() == 422 ? answer.as(Views.Problem.class) : null;
            if (refusal == null || !"AFTER_ARCHIVE_END".equals(refusal.problemCode())) {
                return api.expect(answer, 200, "previewing the restore to T").as(Views.Preview.class);
            }
            deadline.pause("the WAL archive did not reach T", refusal.detail());
        }
    }

    private void remove(Path dataDirectory) throws Exception {
        clusters.remove(dataDirectory);
        steps.detail("stopped the restored cluster and removed " + dataDirectory);
    }
}
