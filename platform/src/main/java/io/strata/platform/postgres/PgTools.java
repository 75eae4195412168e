package io.strata.platform.postgres;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Runs PostgreSQL's own client programs against a source and opens JDBC connections to it. The password
 * travels in the child's environment ({@code PGPASSWORD}), never on a command line that {@code ps} shows.
 */
public class PgTools {
    private final Path binDir;
    private final String applicationName;

    public PgTools(PostgresProperties properties, String applicationName) {
        this.binDir = properties.binDir();
        this.applicationName = applicationName;
    }

    public Path binary(String name) {
        Path path = binDir.resolve(name);
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException(name + " not found in " + binDir
                    + ": install PostgreSQL client programs or set strata.postgres.bin-dir");
        }
        return path;
    }

    /** A process builder for {@code tool args...} connected to {@code database} on the source's server. */
    public ProcessBuilder command(SourceConnection source, String database, String tool, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(binary(tool).toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("PGHOST", source.host());
        env.put("PGPORT", Integer.toString(source.port()));
        env.put("PGUSER", source.username());
        env.put("PGDATABASE", database);
        env.put("PGAPPNAME", applicationName);
        env.put("PGCONNECT_TIMEOUT", "10");
        if (source.password() != null) {
            env.put("PGPASSWORD", source.password());
        } else {
            env.remove("PGPASSWORD");
        }
        return builder;
    }

    public Connection connect(SourceConnection source, String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", source.username());
        if (source.password() != null) {
            props.setProperty("password", source.password());
        }
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl(source.host(), source.port(), database), props);
    }

    public static String jdbcUrl(String host, int port, String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }
}
