package io.strata.wal.streaming;

import io.strata.common.model.Lsn;
import io.strata.common.wal.SlotNames;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.postgres.PgTools;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.copy.CopyDual;
import org.postgresql.core.v3.replication.V3PGReplicationStream;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationType;

/**
 * The two connections a streamer holds to its source: a plain one for queries (settings, the slot, the
 * server's clock against its flushed WAL) and a physical replication one for {@code IDENTIFY_SYSTEM},
 * {@code TIMELINE_HISTORY} and the WAL stream itself. The query connection is an ordinary backend that the
 * server may end while the stream goes on ({@code pg_terminate_backend}, {@code DROP DATABASE ... WITH
 * (FORCE)}, a shutdown); it is then opened again on its next use. Closing the session ends the stream
 * first, so no walsender is left behind on the source.
 */
final class ReplicationSession implements AutoCloseable {
    private static final String APPLICATION_NAME = "strata-wal-archiver";
    private static final int REPLICATION_READ_TIMEOUT_SECONDS = 5;

    private final String url;
    private final Properties queryProperties;
    private final Connection replication;
    private Connection queries;
    private PGReplicationStream stream;

    private ReplicationSession(String url, Properties queryProperties, Connection queries, Connection replication) {
        this.url = url;
        this.queryProperties = queryProperties;
        this.queries = queries;
        this.replication = replication;
    }

    /**
     * Opens both connections, with the checks every source connection gets from {@code pg}: the host must be
     * in the allowed networks, and a source's CA certificate verifies its server (sslMode verify-ca/-full).
     */
    static ReplicationSession open(SourceConnection source, PgTools pg) throws SQLException {
        java.util.Optional<java.nio.file.Path> caFile = pg.prepareConnection(source);
        // the driver builds (and encodes) the URL itself: a database name is never read as URL options
        PGSimpleDataSource address = new PGSimpleDataSource();
        address.setServerNames(new String[] {source.host()});
        address.setPortNumbers(new int[] {source.port()});
        address.setDatabaseName(source.database());
        String url = address.getUrl();
        Properties queryProperties = properties(source, false, caFile);
        Connection queries = DriverManager.getConnection(url, queryProperties);
        try {
            return new ReplicationSession(
                    url, queryProperties, queries, DriverManager.getConnection(url, properties(source, true, caFile)));
        } catch (SQLException e) {
            queries.close();
            throw e;
        }
    }

    /**
     * Drops {@code slot} on the source if it exists and no walsender uses it (a streamer just stopped may
     * hold it a moment longer). Opens one query connection, with the same checks as {@link #open}.
     *
     * @return whether the source has no such slot now
     */
    static boolean dropSlotIfIdle(SourceConnection source, PgTools pg, String slot) throws SQLException {
        java.util.Optional<java.nio.file.Path> caFile = pg.prepareConnection(source);
        PGSimpleDataSource address = new PGSimpleDataSource();
        address.setServerNames(new String[] {source.host()});
        address.setPortNumbers(new int[] {source.port()});
        address.setDatabaseName(source.database());
        try (Connection connection = DriverManager.getConnection(address.getUrl(), properties(source, false, caFile));
                PreparedStatement drop = connection.prepareStatement("select pg_drop_replication_slot(slot_name)"
                        + " from pg_replication_slots where slot_name = ? and not active");
                PreparedStatement left =
                        connection.prepareStatement("select count(*) from pg_replication_slots where slot_name = ?")) {
            drop.setString(1, slot);
            drop.execute();
            left.setString(1, slot);
            try (ResultSet row = left.executeQuery()) {
                row.next();
                return row.getInt(1) == 0;
            }
        }
    }

    /** The query connection, opened again if the server ended the last one. */
    private Connection queries() throws SQLException {
        if (queries == null) {
            queries = DriverManager.getConnection(url, queryProperties);
        }
        return queries;
    }

    /**
     * After a failed query: if the connection itself is gone (the server ended the backend), drop it so the
     * next query opens a new one; a query that failed on a live connection leaves it as it is.
     */
    private void dropIfBroken() {
        Connection current = queries;
        if (current == null) {
            return;
        }
        boolean alive;
        try {
            alive = !current.isClosed() && current.isValid(2);
        } catch (SQLException e) {
            alive = false;
        }
        if (!alive) {
            closeQuietly(current);
            queries = null;
        }
    }

    private static Properties properties(
            SourceConnection source, boolean replication, java.util.Optional<java.nio.file.Path> caFile) {
        Properties properties = new Properties();
        PGProperty.USER.set(properties, source.username());
        if (source.password() != null) {
            PGProperty.PASSWORD.set(properties, source.password());
        }
        PGProperty.APPLICATION_NAME.set(properties, APPLICATION_NAME);
        PGProperty.CONNECT_TIMEOUT.set(properties, source.timeoutsOrDefault().connect());
        PGProperty.LOGIN_TIMEOUT.set(properties, source.timeoutsOrDefault().connect());
        PGProperty.SSL_MODE.set(properties, source.tlsOrDefault().modeOrDefault());
        caFile.ifPresent(ca -> PGProperty.SSL_ROOT_CERT.set(properties, ca.toString()));
        PGProperty.TCP_KEEP_ALIVE.set(properties, true);
        if (replication) {
            // pgjdbc answers the server's end-of-timeline CopyDone by blocking for a reply that only comes
            // after the client's CopyDone: a read timeout turns that hang into an idle stream the
            // timeline check below notices
            PGProperty.SOCKET_TIMEOUT.set(properties, REPLICATION_READ_TIMEOUT_SECONDS);
            PGProperty.REPLICATION.set(properties, "true");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "9.4");
            PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        } else {
            PGProperty.SOCKET_TIMEOUT.set(
                    properties, Math.min(60, source.timeoutsOrDefault().io()));
        }
        return properties;
    }

    /** What {@code IDENTIFY_SYSTEM} says: the cluster, its current timeline and flushed WAL position. */
    record ServerIdentity(String systemId, int timeline, Lsn flushLsn) {}

    /** The slot as found (or made) before streaming: where its retained WAL begins. */
    record SlotState(Lsn restartLsn, boolean created, boolean wasLost) {}

    ServerIdentity identify() throws SQLException {
        try (Statement statement = replication.createStatement();
                ResultSet row = statement.executeQuery("IDENTIFY_SYSTEM")) {
            if (!row.next()) {
                throw new SQLException("IDENTIFY_SYSTEM returned no row");
            }
            return new ServerIdentity(
                    row.getString("systemid"), row.getInt("timeline"), Lsn.parse(row.getString("xlogpos")));
        }
    }

    /**
     * Where the server's WAL is flushed to, and its clock at that moment: WAL archived up to that position
     * holds the server's history up to that time. Empty on a server that cannot say (a standby).
     */
    Optional<WalCoverage.Sample> flushedAt() {
        try (Statement statement = queries().createStatement();
                ResultSet row = statement.executeQuery("select pg_current_wal_flush_lsn()::text, clock_timestamp()")) {
            row.next();
            return Optional.of(new WalCoverage.Sample(
                    Lsn.parse(row.getString(1)),
                    row.getObject(2, java.time.OffsetDateTime.class).toInstant()));
        } catch (SQLException e) {
            dropIfBroken();
            return Optional.empty();
        }
    }

    /** The server's WAL segment size in bytes (unit {@code B} since PostgreSQL 11, {@code 8kB} blocks in 10). */
    long segmentSize() throws SQLException {
        try (Statement statement = queries().createStatement();
                ResultSet row = statement.executeQuery(
                        "select setting::bigint, unit from pg_settings where name = 'wal_segment_size'")) {
            if (!row.next()) {
                throw new SQLException("the source does not report wal_segment_size; PostgreSQL 10 or newer is needed");
            }
            long setting = row.getLong(1);
            String unit = row.getString(2);
            return switch (unit == null ? "B" : unit) {
                case "B" -> setting;
                case "8kB" -> setting * 8192;
                default -> throw new SQLException("unexpected unit '" + unit + "' for wal_segment_size");
            };
        }
    }

    /** Finds the slot, creating it (reserving WAL at once) when missing or recreating it when invalidated. */
    SlotState ensureSlot(String slot) throws SQLException {
        try (PreparedStatement statement = queries()
                .prepareStatement(
                        "select slot_type, restart_lsn::text from pg_replication_slots where slot_name = ?")) {
            statement.setString(1, slot);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return new SlotState(createSlot(slot), true, false);
                }
                if (!"physical".equals(row.getString(1))) {
                    throw new SlotConflictException("replication slot " + slot + " exists but is " + row.getString(1)
                            + ": drop it, or set strata.wal.slot-prefix to another prefix");
                }
                String restart = row.getString(2);
                if (restart != null) {
                    return new SlotState(Lsn.parse(restart), false, false);
                }
            }
        }
        // no restart_lsn: the server invalidated the slot (max_slot_wal_keep_size) and its WAL is gone
        dropSlot(slot);
        return new SlotState(createSlot(slot), true, true);
    }

    private Lsn createSlot(String slot) throws SQLException {
        try (PreparedStatement statement =
                queries().prepareStatement("select lsn::text from pg_create_physical_replication_slot(?, true)")) {
            statement.setString(1, slot);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return Lsn.parse(row.getString(1));
            }
        }
    }

    private void dropSlot(String slot) throws SQLException {
        try (PreparedStatement statement = queries().prepareStatement("select pg_drop_replication_slot(?)")) {
            statement.setString(1, slot);
            statement.execute();
        }
    }

    /**
     * The timeline the server writes (a primary) or receives (a standby) now; empty while a standby
     * has no WAL receiver. A change means the stream's timeline has ended.
     */
    Optional<Integer> currentTimeline() throws SQLException {
        try (Statement statement = queries().createStatement();
                ResultSet row = statement.executeQuery("select case when pg_is_in_recovery()"
                        + " then (select received_tli from pg_stat_wal_receiver)"
                        + " else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end")) {
            row.next();
            int timeline = row.getInt(1);
            return row.wasNull() ? Optional.empty() : Optional.of(timeline);
        } catch (SQLException e) {
            dropIfBroken();
            throw e;
        }
    }

    /** The content of {@code <timeline>.history}; timeline 1 has none. */
    byte[] timelineHistory(int timeline) throws SQLException {
        try (Statement statement = replication.createStatement();
                ResultSet row = statement.executeQuery("TIMELINE_HISTORY " + timeline)) {
            if (!row.next()) {
                throw new SQLException("TIMELINE_HISTORY " + timeline + " returned no row");
            }
            // sent as raw file bytes under a bytea type; reading it as text keeps the bytes as they are
            return row.getString(2).getBytes(StandardCharsets.UTF_8);
        }
    }

    PGReplicationStream startStreaming(String slot, Lsn start, Duration statusInterval) throws SQLException {
        stream = replication
                .unwrap(PGConnection.class)
                .getReplicationAPI()
                .replicationStream()
                .physical()
                .withSlotName(slot)
                .withStartPosition(LogSequenceNumber.valueOf(start.value()))
                .withStatusInterval(Math.toIntExact(statusInterval.toMillis()), TimeUnit.MILLISECONDS)
                // the driver would otherwise report keepalive positions as flushed: WAL not yet archived
                .withAutomaticFlush(false)
                .start();
        return stream;
    }

    /**
     * Streams an earlier timeline than the server's own, from {@code start} up to where the next timeline
     * branched off; the server then ends the stream. Needed when the slot's WAL begins before a promotion the
     * archiver did not see: on its current timeline the server serves no segment older than the switch.
     * pgjdbc's builder cannot name a timeline, so the same command (with {@code TIMELINE}) goes through its copy
     * API into the driver's own stream. The slot name is Strata's, checked against PostgreSQL's rules.
     */
    PGReplicationStream startStreaming(String slot, Lsn start, int timeline, Duration statusInterval)
            throws SQLException {
        if (!SlotNames.isValid(slot)) {
            throw new IllegalArgumentException("not a replication slot name: " + slot);
        }
        LogSequenceNumber from = LogSequenceNumber.valueOf(start.value());
        CopyDual copy = replication
                .unwrap(PGConnection.class)
                .getCopyAPI()
                .copyDual("START_REPLICATION SLOT \"" + slot + "\" PHYSICAL " + from.asString() + " TIMELINE "
                        + timeline);
        stream = new V3PGReplicationStream(copy, from, statusInterval.toMillis(), false, ReplicationType.PHYSICAL);
        return stream;
    }

    @Override
    public void close() {
        try {
            if (stream != null && !stream.isClosed()) {
                stream.close();
            }
        } catch (SQLException e) {
            // the connection is closed below anyway, which ends the walsender just the same
        }
        closeQuietly(replication);
        if (queries != null) {
            closeQuietly(queries);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // nothing useful to do: the server drops the backend when the socket goes
        }
    }
}
