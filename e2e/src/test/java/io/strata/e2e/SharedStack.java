package io.strata.e2e;

import io.strata.devstack.DevStack;
import io.strata.devstack.DevStackOptions;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One dev stack for the whole test JVM: a real Kafka broker, S3 API and two PostgreSQL clusters in
 * process, and the Strata services as separate processes (three backup-worker instances). Started by the first test that
 * needs it and stopped when the test session ends ({@link StackSessionListener}; the stack's own shutdown hook is the
 * fallback).
 */
final class SharedStack {
    private static DevStack stack;

    private SharedStack() {}

    static synchronized DevStack get() {
        if (stack == null) {
            try {
                Path repoRoot = Path.of(System.getProperty("strata.repoRoot", ".."))
                        .toAbsolutePath()
                        .normalize();
                Path stateDir = Files.createTempDirectory("strata-e2e-");
                // three backup workers: the job-runtime tests kill one and watch another take over, and the
                // repeated kills keep two running while the third restarts (a fourth was tried: on two cores
                // the restarts' CPU, not their number, bounds a kill round, and it made the suite slower)
                stack = DevStack.start(new DevStackOptions(stateDir, repoRoot, true, false).withWorkers(3, 1));
            } catch (Exception e) {
                throw new IllegalStateException("could not start the dev stack: " + e.getMessage(), e);
            }
        }
        return stack;
    }

    /** Stops the stack and removes its data, if a test started it; the next {@link #get()} would start another. */
    static synchronized void closeIfStarted() {
        if (stack != null) {
            stack.close();
            stack = null;
        }
    }
}
