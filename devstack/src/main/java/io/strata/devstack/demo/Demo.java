package io.strata.devstack.demo;

import io.strata.devstack.RestoredClusters;
import io.strata.devstack.StackFiles;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * Strata in two minutes, on a shop database: a logical backup restored after every invoice was deleted
 * ({@link LogicalRoundTrip}), then the physical headline: WAL archived continuously, a FULL and an
 * INCREMENTAL backup, and a point-in-time restore to the moment before another delete ({@link
 * PointInTimeRoundTrip}). Each restore is proven by the rows it brings back. Talks to a running dev stack
 * only through its public REST API and PostgreSQL; the one cluster it restores runs on this host, and the
 * demo stops and removes it at the end.
 */
public final class Demo {
    static final String SOURCE = "demo-shop";

    private final Map<String, String> env;
    private final Path tokenFile;
    private final PrintStream out;

    private Demo(Map<String, String> env, Path tokenFile, PrintStream out) {
        this.env = env;
        this.tokenFile = tokenFile;
        this.out = out;
    }

    /** Runs the demo against the stack described by {@code stateDir/stack.env}; 0 when every restore proved equal. */
    public static int run(Path stateDir, PrintStream out) {
        try {
            new Demo(StackFiles.readEnv(stateDir), stateDir.resolve(StackFiles.ADMIN_TOKEN), out).run();
            return 0;
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

    private void run() throws Exception {
        String gateway = env.get("STRATA_GATEWAY_URL");
        StrataApi api = new StrataApi(URI.create(gateway), env.get("STRATA_ADMIN_TOKEN"));
        JobWatcher watcher = new JobWatcher(api, out);
        DemoDatabase database = new DemoDatabase(env);
        Steps steps = new Steps(out);
        out.println("Strata demo against " + gateway);
        out.println();

        new LogicalRoundTrip(api, watcher, database, steps).run();
        new PointInTimeRoundTrip(api, watcher, database, RestoredClusters.onThisHost(), steps).run();

        out.println();
        out.println("SUCCESS: the logical restore brought every invoice back, and the point-in-time restore through"
                + " the FULL + INCREMENTAL chain brought back exactly the invoices of T.");
        out.println(
                "Explore: curl -H \"Authorization: Bearer $(cat " + tokenFile + ")\" " + gateway + "/api/v1/backups");
    }
}
