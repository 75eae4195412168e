package io.strata.platform.postgres;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Opens JDBC connections to a source and runs PostgreSQL's client programs against it.
 *
 * <p>Connections are built through the driver's properties API (host, port and database are separate
 * properties the driver encodes itself), so a database name such as {@code db?sslmode=disable} is a name,
 * never a URL option. Every connection has a login deadline (TCP, TLS and authentication together) and a
 * read deadline, from the source's {@code timeouts}. Programs get the password through a 0600 passfile
 * that is deleted when they exit ({@link ToolCommand}), never through the environment, and run with
 * {@code LC_ALL=C} so their messages can be understood. Every host is checked against
 * {@code strata.sources.allowed-networks} before anything connects to it.
 */
public class PgTools {
    private final Path binDir;
    private final String applicationName;
    private final SourceNetworks networks;
    private final Path privateDir;

    public PgTools(PostgresProperties properties, SourceNetworks networks, String applicationName) {
        this.binDir = properties.binDir();
        this.applicationName = applicationName;
        this.networks = networks;
        this.privateDir = PrivateFiles.directory("strata-" + applicationName);
    }

    public Path binary(String name) {
        Path path = binDir.resolve(name);
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException(name + " not found in " + binDir
                    + ": install PostgreSQL client programs or set strata.postgres.bin-dir");
        }
        return path;
    }

    public SourceNetworks networks() {
        return networks;
    }

    /** {@code tool args...} against {@code database} on the source's server; start it with {@link ToolCommand#start()}. */
    public ToolCommand command(SourceConnection source, String database, String tool, List<String> args) {
        networks.requireAllowed(source.host());
        List<String> command = new ArrayList<>();
        command.add(binary(tool).toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("PG")); // nothing of the worker's own leaks in
        env.put("PGHOST", source.host());
        env.put("PGPORT", Integer.toString(source.port()));
        env.put("PGUSER", source.username());
        env.put("PGDATABASE", database);
        env.put("PGAPPNAME", applicationName);
        env.put("PGCONNECT_TIMEOUT", Integer.toString(source.timeoutsOrDefault().connect()));
        env.put("PGSSLMODE", source.tlsOrDefault().modeOrDefault());
        caFile(source.tlsOrDefault()).ifPresent(ca -> env.put("PGSSLROOTCERT", ca.toString()));
        env.put("LC_ALL", "C");
        env.put("LANG", "C");
        return new ToolCommand(builder, source.password(), privateDir);
    }

    /** A physical replication session with the source, logged in (over TLS as its {@code sslMode} says). */
    public ReplicationConnection replication(SourceConnection source) throws java.io.IOException {
        return ReplicationConnection.open(source, networks, applicationName);
    }

    /** A connection with the source's own deadlines. */
    public Connection connect(SourceConnection source, String database) throws SQLException {
        int connect = source.timeoutsOrDefault().connect();
        return open(source, database, connect, source.timeoutsOrDefault().io());
    }

    /**
     * A connection for a caller that must answer within {@code budget} (the gateway's checks): logging in
     * and each read share it, whatever the source's own deadlines allow.
     */
    public Connection connect(SourceConnection source, String database, Duration budget) throws SQLException {
        int half = (int) Math.max(1, budget.toSeconds() / 2);
        return open(source, database, Math.min(half, source.timeoutsOrDefault().connect()), half);
    }

    private Connection open(SourceConnection source, String database, int loginSeconds, int readSeconds)
            throws SQLException {
        networks.requireAllowed(source.host());
        PGSimpleDataSource data = new PGSimpleDataSource();
        data.setServerNames(new String[] {source.host()});
        data.setPortNumbers(new int[] {source.port()});
        data.setDatabaseName(database);
        data.setUser(source.username());
        if (source.password() != null) {
            data.setPassword(source.password());
        }
        data.setApplicationName(applicationName);
        data.setConnectTimeout(loginSeconds);
        data.setLoginTimeout(loginSeconds);
        data.setSocketTimeout(readSeconds);
        data.setTcpKeepAlive(true);
        // Strata's own statements name only the catalog (and user tables schema-qualified): the search path is
        // pg_catalog alone, sent in the startup packet, where it overrides the database's and the role's settings.
        // So no function or operator a database holds can stand in for the catalog's in Strata's sessions (the
        // attack of CVE-2018-1058), whoever could create objects there (an uploaded archive's role, an
        // application's users on a server that still lets PUBLIC create in public).
        data.setCurrentSchema("pg_catalog");
        SourceTls tls = source.tlsOrDefault();
        data.setSslMode(tls.modeOrDefault());
        caFile(tls).ifPresent(ca -> data.setSslRootCert(ca.toString()));
        return data.getConnection();
    }

    /**
     * The checks and files a connection this class does not open itself needs (the wal-archiver's
     * replication session): refuses a host outside the allowed networks, and gives the path of the source's
     * CA certificate (a private file), if it has one.
     */
    public Optional<Path> prepareConnection(SourceConnection source) {
        networks.requireAllowed(source.host());
        return caFile(source.tlsOrDefault());
    }

    private Optional<Path> caFile(SourceTls tls) {
        if (tls.caCertificate() == null || tls.caCertificate().isBlank()) {
            return Optional.empty();
        }
        return Optional.of(PrivateFiles.contentAddressed(privateDir, "ca-", ".pem", tls.caCertificate()));
    }
}
