package io.strata.devstack;

import java.nio.file.Path;

/**
 * How to start a {@link DevStack}.
 *
 * @param stateDir where data, logs and {@code stack.env} go
 * @param repoRoot the Maven repository root; service jars are {@code <repoRoot>/<module>/target/<module>-0.1.0-SNAPSHOT.jar}
 * @param withServices whether to launch the five Strata services, or only Kafka, S3 and PostgreSQL
 * @param keepData whether {@link DevStack#close()} leaves {@code stateDir} in place
 */
public record DevStackOptions(Path stateDir, Path repoRoot, boolean withServices, boolean keepData) {

    public DevStackOptions {
        if (stateDir == null || repoRoot == null) {
            throw new IllegalArgumentException("stateDir and repoRoot are required");
        }
        stateDir = stateDir.toAbsolutePath().normalize();
        repoRoot = repoRoot.toAbsolutePath().normalize();
    }

    /** Everything, in {@code <repoRoot>/.strata/stack-<random>}, removed on close. */
    public static DevStackOptions defaults(Path repoRoot) {
        Path root = repoRoot.toAbsolutePath().normalize();
        return new DevStackOptions(root.resolve(".strata").resolve("stack-" + Secrets.random(8)), root, true, false);
    }

    public DevStackOptions withServices(boolean value) {
        return new DevStackOptions(stateDir, repoRoot, value, keepData);
    }

    public DevStackOptions keepData(boolean value) {
        return new DevStackOptions(stateDir, repoRoot, withServices, value);
    }
}
