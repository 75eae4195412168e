package io.strata.devstack;

import java.nio.file.Path;

/**
 * How to start a {@link DevStack}.
 *
 * @param stateDir where data, logs and {@code stack.env} go
 * @param repoRoot the Maven repository root; service jars are {@code <repoRoot>/<module>/target/<module>-0.1.0-SNAPSHOT.jar}
 * @param withServices whether to launch the five Strata services, or only Kafka, S3 and PostgreSQL
 * @param keepData whether {@link DevStack#close()} leaves {@code stateDir} in place
 * @param backupWorkers how many backup-worker instances to run (1: one named {@code backup-worker}; N &gt; 1:
 *     {@code backup-worker-1} … {@code backup-worker-N})
 * @param restoreWorkers how many restore-worker instances to run, named alike
 */
public record DevStackOptions(
        Path stateDir, Path repoRoot, boolean withServices, boolean keepData, int backupWorkers, int restoreWorkers) {

    public DevStackOptions {
        if (stateDir == null || repoRoot == null) {
            throw new IllegalArgumentException("stateDir and repoRoot are required");
        }
        if (backupWorkers < 1 || restoreWorkers < 1) {
            throw new IllegalArgumentException("a dev stack runs at least one backup-worker and one restore-worker"
                    + " instance, not backupWorkers=" + backupWorkers + ", restoreWorkers=" + restoreWorkers);
        }
        stateDir = stateDir.toAbsolutePath().normalize();
        repoRoot = repoRoot.toAbsolutePath().normalize();
    }

    /** One instance of each service. */
    public DevStackOptions(Path stateDir, Path repoRoot, boolean withServices, boolean keepData) {
        this(stateDir, repoRoot, withServices, keepData, 1, 1);
    }

    /** Everything, in {@code <repoRoot>/.strata/stack-<random>}, removed on close; one instance of each service. */
    public static DevStackOptions defaults(Path repoRoot) {
        Path root = repoRoot.toAbsolutePath().normalize();
        return new DevStackOptions(root.resolve(".strata").resolve("stack-" + Secrets.random(8)), root, true, false);
    }

    public DevStackOptions withServices(boolean value) {
        return new DevStackOptions(stateDir, repoRoot, value, keepData, backupWorkers, restoreWorkers);
    }

    public DevStackOptions keepData(boolean value) {
        return new DevStackOptions(stateDir, repoRoot, withServices, value, backupWorkers, restoreWorkers);
    }

    /** These options with {@code backup} backup-worker and {@code restore} restore-worker instances (each ≥ 1). */
    public DevStackOptions withWorkers(int backup, int restore) {
        return new DevStackOptions(stateDir, repoRoot, withServices, keepData, backup, restore);
    }
}
