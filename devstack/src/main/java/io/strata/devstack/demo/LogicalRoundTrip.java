package io.strata.devstack.demo;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The logical round trip: the shop database with 5000 invoices is backed up (pg_dump), every invoice is
 * deleted by "accident", and the backup is restored into a new database whose rows are proven identical.
 */
final class LogicalRoundTrip {
    private final StrataApi api;
    private final JobWatcher watcher;
    private final DemoDatabase database;
    private final Steps steps;

    LogicalRoundTrip(StrataApi api, JobWatcher watcher, DemoDatabase database, Steps steps) {
        this.api = api;
        this.watcher = watcher;
        this.database = database;
        this.steps = steps;
    }

    /** Returns normally once the restored database equals the original; a {@link DemoFailure} otherwise. */
    void run() throws Exception {
        steps.next("Creating database " + DemoDatabase.DATABASE + " with " + DemoDatabase.INVOICES + " invoices on "
                + database.host() + ":" + database.port());
        database.create();
        DemoDatabase.Snapshot original = database.snapshot(DemoDatabase.DATABASE);
        steps.detail(original.describe());

        steps.next("Registering source " + Demo.SOURCE);
        registerSource();

        steps.next("Backing it up (logical: pg_dump)");
        String backupId = backup();

        steps.next("Oops: DELETE FROM invoices;");
        long deleted = database.deleteAllInvoices();
        steps.detail("deleted " + deleted + " rows; invoices left: "
                + database.snapshot(DemoDatabase.DATABASE).invoices());

        String target = "demo_shop_restored_" + LocalTime.now().format(DateTimeFormatter.ofPattern("HHmmss"));
        steps.next("Restoring backup " + backupId + " into a new database " + target);
        watcher.run(
                "restore",
                "/restores",
                Map.of("source", Demo.SOURCE, "backupId", backupId, "into", Map.of("database", target)));

        steps.next("Comparing");
        DemoDatabase.Snapshot restored = database.snapshot(target);
        steps.detail("before the delete: " + original.describe());
        steps.detail("restored (" + target + "): " + restored.describe());
        original.requireRestoredAs(restored, "the restored database " + target);
        steps.detail("every invoice is back, identical to the last row");
    }

    private void registerSource() throws Exception {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("name", Demo.SOURCE);
        source.put("host", database.host());
        source.put("port", database.port());
        source.put("database", DemoDatabase.DATABASE);
        source.put("username", database.user());
        source.put("password", database.password());
        StrataApi.Response response = api.post("/sources", source);
        if (response.status() == 409) {
            steps.detail("already registered, reusing it");
        } else {
            api.expect(response, 201, "registering source " + Demo.SOURCE);
            steps.detail("registered");
        }
    }

    private String backup() throws Exception {
        Views.Job job = watcher.run(
                "backup",
                "/backups",
                Map.of("source", Demo.SOURCE, "kind", "LOGICAL", "type", "FULL", "description", "strata demo"));
        Views.Backup backup = api.read("/backups/" + job.requireBackupId(), Views.Backup.class);
        steps.detail("backup " + backup.backupId() + ": " + Bytes.of(backup.sizeBytes()) + ", stored "
                + Bytes.of(backup.storedBytes()) + ", sha256 " + backup.sha256());
        return backup.backupId();
    }
}
