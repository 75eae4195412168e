package io.strata.backup.physical;

import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobCancellation;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.PgErrorHints;
import io.strata.platform.logical.ToolProcesses;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import io.strata.platform.postgres.ReplicationConnection;
import io.strata.platform.postgres.SourceErrors;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a physical backup's tar comes from: the worker's own replication session ({@link BaseBackupStream}),
 * or {@code pg_basebackup}'s stdout for a server older than 15 (whose BASE_BACKUP speaks an older protocol)
 * or with {@code strata.backup.base-backup-client=pg_basebackup}. Both give the same tar; failures of either end the
 * job with the same codes: SOURCE_TIMEOUT for a source that cannot be reached or stopped answering,
 * PG_BASEBACKUP_FAILED with PostgreSQL's words and a hint otherwise.
 */
abstract sealed class TarSource implements AutoCloseable {
    static final String BUILT_IN = "built-in";
    static final String PG_BASEBACKUP = "pg_basebackup";
    private static final Logger log = LoggerFactory.getLogger(TarSource.class);

    protected final SourceConnection source;
    private volatile boolean stalled;

    private TarSource(SourceConnection source) {
        this.source = source;
    }

    /**
     * Logs in for the built-in client; null for {@code pg_basebackup}. Nothing is asked of the server yet, so
     * the login may run while the job checks other things; {@link #open} then starts the backup's source.
     */
    static ReplicationConnection login(PgTools pg, SourceConnection source, String client) {
        return BUILT_IN.equals(client) ? session(pg, source) : null;
    }

    /** {@link #login} then {@link #open}: the tar of {@code source} with {@code client}. */
    static TarSource open(PgTools pg, SourceConnection source, String client, Clock clock) {
        return open(pg, source, login(pg, source, client), clock, null);
    }

    /**
     * Opens the tar of {@code source}: on the {@code session} {@link #login} gave (the server compressing it with
     * {@code serverZstd}, unless null), or through a started {@code pg_basebackup} when there is none or the
     * server is older than {@link BaseBackupStream#MIN_SERVER_VERSION}.
     */
    static TarSource open(
            PgTools pg,
            SourceConnection source,
            ReplicationConnection session,
            Clock clock,
            BaseBackupStream.ServerZstd serverZstd) {
        if (session != null) {
            int major = major(session.serverVersion());
            if (major >= BaseBackupStream.MIN_SERVER_VERSION) {
                return new Session(source, session, clock, serverZstd);
            }
            closeQuietly(session);
            log.info(
                    "source {} runs PostgreSQL {}: its base backup is read through pg_basebackup",
                    source.name(),
                    major);
        }
        return new Tool(pg, source);
    }

    /**
     * Asks the server to begin the backup (its checkpoint) without waiting for it: what the job prepares
     * meanwhile (the parent's block map) costs no time of its own. {@link #stream()} waits for the data.
     */
    abstract void begin();

    /** The tar's bytes; a failure of the source is thrown as a {@link JobFailureException}. */
    abstract InputStream stream();

    /** The stall watchdog's action: stops the source; the job then fails as SOURCE_TIMEOUT. */
    final void stall() {
        stalled = true;
        stop();
    }

    abstract void stop();

    /** The bytes the server said it will send, once the data began; 0 when it does not say (pg_basebackup). */
    abstract long estimatedBytes();

    /**
     * Has {@code listener} called with {@link #estimatedBytes()} as soon as the server gives it, before the
     * first byte of the tar is read; false when this source never gives one (pg_basebackup).
     */
    abstract boolean onEstimate(LongConsumer listener);

    /*
     * The server's compression: only the worker's own session asks for it; these answers are pg_basebackup's,
     * which never does.
     */

    /**
     * Has the server's compressed bytes written to the stream {@code target} gives, as they arrive, if the server
     * compresses the tar (asked for at {@link #open}, and not refused); false when this source never does.
     */
    boolean copyCompressedTo(Supplier<OutputStream> target) {
        return false;
    }

    /** Whether the server compresses the tar: known once its data began. */
    boolean serverCompressed() {
        return false;
    }

    /** Why the server does not compress the tar though it was asked to (its error); null otherwise. */
    String uncompressedBecause() {
        return null;
    }

    /** The bytes the server sent compressed; 0 when it did not compress. */
    long compressedBytes() {
        return 0;
    }

    /** What those bytes decompress to (the server's own tar); 0 when it did not compress. */
    long serverTarBytes() {
        return 0;
    }

    /** Called once the stream ended: throws if the source did not end well. */
    abstract void requireSucceeded(String step);

    @Override
    public abstract void close();

    protected final JobFailureException stalledFailure(String step) {
        return new JobFailureException(
                FailureCode.SOURCE_TIMEOUT,
                SourceErrors.stalledMessage(
                        source, step, source.timeoutsOrDefault().io()),
                true);
    }

    protected final boolean stalled() {
        return stalled;
    }

    static int major(String serverVersion) {
        int end = 0;
        while (end < serverVersion.length() && Character.isDigit(serverVersion.charAt(end))) {
            end++;
        }
        return end == 0 ? 0 : Integer.parseInt(serverVersion.substring(0, end));
    }

    private static ReplicationConnection session(PgTools pg, SourceConnection source) {
        try {
            return pg.replication(source);
        } catch (ReplicationConnection.ServerError e) {
            throw refused(source, e, "logging in for the base backup");
        } catch (ReplicationConnection.ConfigurationError e) {
            throw new JobFailureException(
                    FailureCode.PG_BASEBACKUP_FAILED,
                    "The base backup of source '" + source.name() + "' at " + source.host() + ":" + source.port()
                            + " cannot begin: " + e.getMessage()
                            + ". Check the source's registration (tls, username) against the server.",
                    false,
                    e);
        } catch (javax.net.ssl.SSLException e) {
            throw new JobFailureException(
                    FailureCode.PG_BASEBACKUP_FAILED,
                    "TLS with source '" + source.name() + "' at " + source.host() + ":" + source.port() + " failed: "
                            + e.getMessage() + ". Check the source's tls.sslMode and tls.caCertificate against the"
                            + " server's certificate.",
                    false,
                    e);
        } catch (ConnectException | SocketTimeoutException | UnknownHostException | NoRouteToHostException e) {
            throw new JobFailureException(
                    FailureCode.SOURCE_TIMEOUT,
                    SourceErrors.cannotConnectMessage(source, "starting the base backup") + " (" + e.getMessage() + ")",
                    true,
                    e);
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.PG_BASEBACKUP_FAILED,
                    "Could not open a replication session with source '" + source.name() + "' at " + source.host() + ":"
                            + source.port() + ": " + e.getMessage(),
                    true,
                    e);
        }
    }

    static JobFailureException refused(SourceConnection source, ReplicationConnection.ServerError e, String step) {
        String text = e.getMessage();
        return new JobFailureException(
                FailureCode.PG_BASEBACKUP_FAILED,
                PgErrorHints.withHint(
                        "The base backup of source '" + source.name() + "' failed while " + step + ": " + text,
                        PgErrorHints.hint(text, source.host(), source.port(), source.database(), source.username())),
                PgErrorHints.isTransient(text) || transientState(e.sqlState()),
                e);
    }

    /** Too many connections or WAL senders (class 53), a server starting or shutting down (57P01-57P03). */
    static boolean transientState(String sqlState) {
        return sqlState != null
                && (sqlState.startsWith("53")
                        || sqlState.equals("57P01")
                        || sqlState.equals("57P02")
                        || sqlState.equals("57P03"));
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("closing failed", e);
        }
    }

    /** BASE_BACKUP read by the worker itself. */
    private static final class Session extends TarSource {
        private final ReplicationConnection connection;
        private final BaseBackupStream backup;
        private final AutoCloseable cancelHook;

        Session(
                SourceConnection source,
                ReplicationConnection connection,
                Clock clock,
                BaseBackupStream.ServerZstd serverZstd) {
            super(source);
            this.connection = connection;
            this.backup = new BaseBackupStream(connection, clock.instant().getEpochSecond(), serverZstd);
            this.cancelHook = JobCancellation.closeOnCancel(connection);
        }

        @Override
        void begin() {
            try {
                backup.begin();
            } catch (IOException e) {
                throw failure(e);
            }
        }

        @Override
        InputStream stream() {
            return new FilterInputStream(backup) {
                @Override
                public int read(byte[] b, int off, int len) {
                    try {
                        return in.read(b, off, len);
                    } catch (IOException e) {
                        throw failure(e);
                    }
                }

                @Override
                public int read() {
                    try {
                        return in.read();
                    } catch (IOException e) {
                        throw failure(e);
                    }
                }
            };
        }

        private JobFailureException failure(IOException e) {
            if (stalled()) {
                return stalledFailure(PhysicalBackupJob.STEP);
            }
            if (e instanceof ReplicationConnection.ServerError error) {
                return refused(source, error, "copying");
            }
            if (e instanceof BaseBackupStream.Refused) {
                return new JobFailureException(
                        FailureCode.PG_BASEBACKUP_FAILED,
                        "The base backup of source '" + source.name() + "' was stopped: " + e.getMessage(),
                        false,
                        e);
            }
            return new JobFailureException(
                    FailureCode.PG_BASEBACKUP_FAILED,
                    "The replication session with source '" + source.name() + "' at " + source.host() + ":"
                            + source.port() + " broke during the base backup: " + e.getMessage(),
                    true,
                    e);
        }

        @Override
        void stop() {
            closeQuietly(connection);
        }

        @Override
        long estimatedBytes() {
            return backup.estimatedBytes();
        }

        @Override
        boolean onEstimate(LongConsumer listener) {
            backup.onEstimate(listener);
            return true;
        }

        @Override
        boolean copyCompressedTo(Supplier<OutputStream> target) {
            backup.copyCompressedTo(target);
            return true;
        }

        @Override
        boolean serverCompressed() {
            return backup.serverCompressed();
        }

        @Override
        String uncompressedBecause() {
            return backup.uncompressedBecause();
        }

        @Override
        long compressedBytes() {
            return backup.compressedBytes();
        }

        @Override
        long serverTarBytes() {
            return backup.archiveBytes();
        }

        @Override
        void requireSucceeded(String step) {
            // the stream ends only after the server reported the backup's end; a stall ends it with a failure
            if (stalled()) {
                throw stalledFailure(step);
            }
        }

        @Override
        public void close() {
            closeQuietly(cancelHook);
            closeQuietly(backup); // the session, then the decompressor (if any)
        }
    }

    /** {@code pg_basebackup -D - -Ft -X none --checkpoint=fast}. */
    private static final class Tool extends TarSource {
        private final Process process;
        private final ProcessOutput stderr;

        Tool(PgTools pg, SourceConnection source) {
            super(source);
            try {
                process = pg.command(
                                source,
                                source.database(),
                                PG_BASEBACKUP,
                                List.of("-D", "-", "-Ft", "-X", "none", "--checkpoint=fast", "--no-password", "-v"))
                        .start();
            } catch (IOException e) {
                throw new JobFailureException(
                        FailureCode.PG_BASEBACKUP_FAILED, "Could not start pg_basebackup: " + e.getMessage(), false, e);
            }
            stderr = ProcessOutput.drain(process.getErrorStream());
        }

        @Override
        void begin() {
            // pg_basebackup began when it was started
        }

        @Override
        InputStream stream() {
            return process.getInputStream();
        }

        @Override
        void stop() {
            ToolProcesses.destroy(process);
        }

        @Override
        long estimatedBytes() {
            return 0;
        }

        @Override
        boolean onEstimate(LongConsumer listener) {
            return false;
        }

        @Override
        void requireSucceeded(String step) {
            int exit = ToolProcesses.awaitExit(process, PG_BASEBACKUP);
            if (stalled()) {
                throw stalledFailure(step);
            }
            if (exit == 0) {
                return;
            }
            String errors = stderr.tail();
            if (SourceErrors.toolCannotConnect(errors)) {
                throw new JobFailureException(
                        FailureCode.SOURCE_TIMEOUT,
                        SourceErrors.cannotConnectMessage(source, "starting pg_basebackup"),
                        true);
            }
            throw new JobFailureException(
                    FailureCode.PG_BASEBACKUP_FAILED,
                    PgErrorHints.withHint(
                            "pg_basebackup of source '" + source.name() + "' " + ToolProcesses.describeExit(exit) + ": "
                                    + errors.strip(),
                            PgErrorHints.hint(
                                    errors, source.host(), source.port(), source.database(), source.username())),
                    PgErrorHints.isTransient(errors));
        }

        @Override
        public void close() {
            ToolProcesses.destroy(process);
        }
    }
}
