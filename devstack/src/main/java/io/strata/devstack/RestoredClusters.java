package io.strata.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Clusters that point-in-time restores started on this host. The restore-worker may run as root, but
 * such a cluster belongs to the user that runs PostgreSQL's programs ({@link PgCommands}), so it is stopped
 * as that user; its directory is then removed by whoever owns the dev stack.
 */
public final class RestoredClusters {
    private final PgCommands pg;

    RestoredClusters(PgCommands pg) {
        this.pg = pg;
    }

    /** For a process outside the running stack (the demo), with the stack's PostgreSQL programs. */
    public static RestoredClusters onThisHost() {
        return new RestoredClusters(new PgCommands(PgCommands.defaultBinDir()));
    }

    /** Stops (immediately: nothing in it is kept) the cluster running in {@code dataDir}, if one does. */
    public void stop(Path dataDir) {
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            pg.run("pg_ctl", List.of("-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "60", "stop"));
        }
    }

    /** Stops the cluster in {@code dataDir} and deletes the directory. */
    public void remove(Path dataDir) throws IOException {
        stop(dataDir);
        StackFiles.deleteRecursively(dataDir);
    }
}
