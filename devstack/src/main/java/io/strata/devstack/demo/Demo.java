package io.strata.devstack.demo;

import io.strata.devstack.StackFiles;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Strata in two minutes: a shop database with 5000 invoices is backed up, every invoice is deleted
 * by "accident", and the backup is restored into a new database whose rows are proven identical.
 * Talks to a running dev stack only through its public REST API and PostgreSQL.
 */
public final class Demo {
    static final String SOURCE = "demo-shop";

    private final Map<String, String> env;
    private final Path tokenFile;
    private final PrintStream out;
    private final StrataApi api;
    private final DemoDatabase database;
    private final JobWatcher watcher;

    private Demo(Map<String, String> env, Path tokenFile, PrintStream out) {
        this.env = env;
        this.tokenFile = tokenFile;
        this.out = out;
        this.api = new StrataApi(URI.create(env.get("STRATA_GATEWAY_URL")), env.get("STRATA_ADMIN_TOKEN"));
        this.database = new DemoDatabase(env);
        this.watcher = new JobWatcher(api, out);
    }

    /** Runs the demo against the stack described by {@code stateDir/stack.env}; 0 when the restore proved equal. */
    public static int run(Path stateDir, PrintStream out) {
        try {
            return new Demo(StackFiles.readEnv(stateDir), stateDir.resolve(StackFiles.ADMIN_TOKEN), out).run() ? 0 : 1;
        } catch (DemoFailure e) {
            out.println();
            out.println("DEMO FAILED: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            out.println();
            out.println("DEMO FAILED: " + e);
            e.printStackTrace(out);
            return 1;
        }
    }

    private boolean run() throws Exception {
        out.println("Strata demo against " + env.get("STRATA_GATEWAY_URL"));
        out.println();
        out.println("1. Creating database " + DemoDatabase.DATABASE + " with " + DemoDatabase.INVOICES + " invoices on "
                + database.host() + ":" + database.port());
        database.create();
        DemoDatabase.Snapshot original = database.snapshot(DemoDatabase.DATABASE);
        out.printf(
                "   %d invoices, total %s, row checksum %s%n",
                original.invoices(), original.total(), original.checksum());

        out.println("2. Registering source " + SOURCE);
        registerSource();

        out.println("3. Backing it up");
        String backupId = backup();

        out.println("4. Oops: DELETE FROM invoices;");
        long deleted = database.deleteAllInvoices();
        out.printf(
                "   deleted %d rows; invoices left: %d%n",
                deleted, database.snapshot(DemoDatabase.DATABASE).invoices());

        String target = "demo_shop_restored_" + LocalTime.now().format(DateTimeFormatter.ofPattern("HHmmss"));
        out.println("5. Restoring backup " + backupId + " into a new database " + target);
        restore(backupId, target);

        out.println("6. Comparing");
        return compare(original, database.snapshot(target), target);
    }

    private void registerSource() throws Exception {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("name", SOURCE);
        source.put("host", database.host());
        source.put("port", database.port());
        source.put("database", DemoDatabase.DATABASE);
        source.put("username", database.user());
        source.put("password", database.password());
        StrataApi.Response response = api.post("/sources", source);
        if (response.status() == 409) {
            out.println("   already registered, reusing it");
        } else {
            api.expect(response, 201, "registering source " + SOURCE);
            out.println("   registered");
        }
    }

    private String backup() throws Exception {
        Map<String, Object> request =
                Map.of("source", SOURCE, "kind", "LOGICAL", "type", "FULL", "description", "strata demo");
        Views.Accepted accepted = api.expect(api.post("/backups", request), 202, "requesting a backup")
                .as(Views.Accepted.class);
        out.println("   job " + accepted.jobId());
        Views.Job job = watcher.awaitSuccess("backup", accepted.jobId());
        if (job.backupId() == null) {
            throw new DemoFailure("backup job " + job.jobId() + " succeeded but names no backupId");
        }
        Views.Backup backup = api.expect(api.get("/backups/" + job.backupId()), 200, "reading backup " + job.backupId())
                .as(Views.Backup.class);
        out.printf(
                "   backup %s: %s, stored %s, sha256 %s%n",
                backup.backupId(), size(backup.sizeBytes()), size(backup.storedBytes()), backup.sha256());
        return backup.backupId();
    }

    private void restore(String backupId, String target) throws Exception {
        Map<String, Object> request =
                Map.of("source", SOURCE, "backupId", backupId, "into", Map.of("database", target));
        Views.Accepted accepted = api.expect(api.post("/restores", request), 202, "requesting a restore")
                .as(Views.Accepted.class);
        out.println("   job " + accepted.jobId());
        watcher.awaitSuccess("restore", accepted.jobId());
    }

    private boolean compare(DemoDatabase.Snapshot original, DemoDatabase.Snapshot restored, String target) {
        out.printf(
                "   before the delete: %d invoices, total %s, checksum %s%n",
                original.invoices(), original.total(), original.checksum());
        out.printf(
                "   restored (%s): %d invoices, total %s, checksum %s%n",
                target, restored.invoices(), restored.total(), restored.checksum());
        out.println();
        if (!original.equals(restored)) {
            out.println("MISMATCH: the restored database differs from the original; see ./strata logs restore-worker");
            return false;
        }
        out.println("SUCCESS: every invoice is back, identical to the last row.");
        out.println("Explore: curl -H \"Authorization: Bearer $(cat " + tokenFile + ")\" "
                + env.get("STRATA_GATEWAY_URL") + "/api/v1/backups");
        return true;
    }

    private static String size(Long bytes) {
        return bytes == null ? "?" : JobWatcher.bytes(bytes);
    }
}
