package io.strata.platform.jobs;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops one running job when it is cancelled: the child processes it started (pg_dump, pg_basebackup,
 * pg_restore, tar, a recovering server's pg_ctl) are killed, with their own children, the connections it
 * registered (a base backup's replication session) are closed, and the job's thread
 * is interrupted, so a job blocked reading a tool's output ends within moments. The job's code then fails
 * as it would on any error and removes what it wrote; the runtime reports it CANCELLED.
 *
 * <p>Bound to the job's thread (and threads it starts) while the job runs: code that starts a process calls
 * {@link #track(Process)} without knowing which job it serves. A job past its point of no return (a restore
 * renaming its copy into place) calls {@link #pointOfNoReturn(String)}: a cancel after that is not applied
 * and the job finishes.
 */
public final class JobCancellation implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobCancellation.class);
    private static final InheritableThreadLocal<JobCancellation> CURRENT = new InheritableThreadLocal<>();
    private final Thread runner;
    private final Set<Process> processes = ConcurrentHashMap.newKeySet();
    private final Set<java.io.Closeable> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean requested;
    private volatile String beyond;

    private JobCancellation(Thread runner) {
        this.runner = runner;
    }

    /** Binds a new cancellation to the calling thread, which runs the job. */
    static JobCancellation open() {
        JobCancellation cancellation = new JobCancellation(Thread.currentThread());
        CURRENT.set(cancellation);
        return cancellation;
    }

    /** Kills {@code process} (and its children) if the job running on this thread is cancelled. */
    public static void track(Process process) {
        JobCancellation current = CURRENT.get();
        if (current == null) {
            return;
        }
        current.processes.add(process);
        process.onExit().thenRun(() -> current.processes.remove(process));
        if (current.requested) {
            kill(process); // cancelled while it was being started
        }
    }

    /**
     * Closes {@code connection} if the job running on this thread is cancelled (a socket read does not end
     * on an interrupt); closing the returned handle stops watching it.
     */
    public static AutoCloseable closeOnCancel(java.io.Closeable connection) {
        JobCancellation current = CURRENT.get();
        if (current == null) {
            return () -> {};
        }
        current.connections.add(connection);
        if (current.requested) {
            closeQuietly(connection); // cancelled while it was being opened
        }
        return () -> current.connections.remove(connection);
    }

    /** From here on the job on this thread finishes even if cancelled ({@code why} is logged then). */
    public static void pointOfNoReturn(String why) {
        JobCancellation current = CURRENT.get();
        if (current != null) {
            synchronized (current) {
                current.beyond = why;
            }
        }
    }

    /** Whether the job on this thread was cancelled: long loops may check it at safe points. */
    public static boolean isRequested() {
        JobCancellation current = CURRENT.get();
        return current != null && current.requested;
    }

    /** Whether this job was cancelled (and the cancel was applied). */
    boolean requested() {
        return requested;
    }

    /** Cancels the job; false when it is past its point of no return and goes on. */
    synchronized boolean cancel() {
        if (beyond != null) {
            log.info("not cancelling: {}", beyond);
            return false;
        }
        if (!requested) {
            requested = true;
            processes.forEach(JobCancellation::kill);
            connections.forEach(JobCancellation::closeQuietly);
            runner.interrupt();
        }
        return true;
    }

    private static void closeQuietly(java.io.Closeable connection) {
        try {
            connection.close();
        } catch (java.io.IOException e) {
            log.debug("closing a cancelled job's connection failed", e);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** Unbinds it from the job's thread: the job ended. */
    @Override
    public void close() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }
}
