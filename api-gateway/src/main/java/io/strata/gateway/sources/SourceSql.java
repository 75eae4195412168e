package io.strata.gateway.sources;

import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.postgres.PgTools;
import java.sql.Connection;
import java.sql.SQLException;
import org.springframework.stereotype.Component;

/**
 * Runs the gateway's own checks on a source's server (does a database exist, may it archive WAL, ...).
 * A server that cannot be reached or refuses becomes a 502 that says which server and what to check.
 */
@Component
public class SourceSql {
    private final RegisteredSources sources;
    private final PgTools pg;

    SourceSql(RegisteredSources sources, PgTools pg) {
        this.sources = sources;
        this.pg = pg;
    }

    /** On a registered source; {@code purpose} completes "cannot ..." in the error, e.g. "read its WAL position". */
    public <T> T run(String source, String purpose, Work<T> work) {
        return run(source, sources.connection(source), purpose, work);
    }

    /** On a server given by its connection details (a source about to be registered). */
    public <T> T run(String source, SourceConnection server, String purpose, Work<T> work) {
        try (Connection connection = pg.connect(server, server.database())) {
            return work.apply(connection, server);
        } catch (SQLException e) {
            throw ApiException.badGateway(
                    "cannot " + purpose + ": source '" + source + "' at " + server.host() + ":" + server.port() + "/"
                            + server.database() + " as " + server.username() + " failed (" + e.getMessage()
                            + "); check that the server is up and the source's connection details are right",
                    e);
        }
    }

    /** Work on an open connection; ApiExceptions it throws pass through unchanged. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection, SourceConnection server) throws SQLException;
    }
}
