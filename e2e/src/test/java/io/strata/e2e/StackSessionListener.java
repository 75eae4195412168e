package io.strata.e2e;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Stops the shared dev stack when the test session ends, while the test JVM still runs its normal course.
 * Leaving it to the stack's shutdown hook was not enough: stopping five services, Kafka and two PostgreSQL
 * clusters and deleting several GB of data takes longer than the 30 s Failsafe grants a fork after
 * {@code System.exit}, so the fork was killed half-way and each run left 5-13 GB in the temp directory (until
 * a CI run found the disk full).
 */
public final class StackSessionListener implements LauncherSessionListener {
    @Override
    public void launcherSessionClosed(LauncherSession session) {
        SharedStack.closeIfStarted();
    }
}
