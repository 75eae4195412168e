package io.strata.gateway.sources;

import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.SourceErrors;
import io.strata.platform.postgres.SourceNetworks.SourceNotAllowedException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * Runs the gateway's own checks on a source's server (does a database exist, may it archive WAL, ...).
 * Each check answers within {@link #BUDGET}: logging in and every read share it, so a server that accepts
 * TCP and never answers holds a request thread no longer. No session (closed, filtered or silent port) is
 * a 504 worded alike for all three; a server that answered with an error is a 502 with its words.
 */
@Component
public class SourceSql {
    /** The longest a gateway call may wait for a source. */
    public static final Duration BUDGET = Duration.ofSeconds(10);

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
        try (Connection connection = pg.connect(server, server.database(), BUDGET)) {
            return work.apply(connection, server);
        } catch (SourceNotAllowedException e) {
            throw ApiException.unprocessable("source '" + source + "': " + e.getMessage());
        } catch (SQLException e) {
            throw unreachable(source, server, purpose, e);
        }
    }

    /** The problem for a failed call on a source: 504 for no session or no answer, else 502. */
    public static ApiException unreachable(String source, SourceConnection server, String purpose, SQLException e) {
        if (SourceErrors.cannotConnect(e)) {
            return ApiException.gatewayTimeout(
                    "cannot " + purpose + ": source '" + source + "': cannot connect to " + server.host() + ":"
                            + server.port() + " within " + BUDGET.toSeconds() + " s (the port is closed, filtered or"
                            + " not answering); check the host and port, that PostgreSQL runs there and that no"
                            + " firewall drops the connection",
                    e);
        }
        if (SourceErrors.timedOut(e)) {
            return ApiException.gatewayTimeout(
                    "cannot " + purpose + ": source '" + source + "' at " + server.host() + ":" + server.port()
                            + " did not answer within " + BUDGET.toSeconds() + " s; check its load and locks",
                    e);
        }
        return ApiException.badGateway(
                "cannot " + purpose + ": source '" + source + "' at " + server.host() + ":" + server.port() + "/"
                        + server.database() + " as " + server.username() + " refused (" + e.getMessage()
                        + "); check the source's connection details and privileges",
                e);
    }

    /** Work on an open connection; ApiExceptions it throws pass through unchanged. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection, SourceConnection server) throws SQLException;
    }
}
