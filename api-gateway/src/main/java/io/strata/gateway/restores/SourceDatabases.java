package io.strata.gateway.restores;

import io.strata.gateway.problem.ApiException;
import io.strata.gateway.sources.RegisteredSources;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.postgres.PgTools;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.springframework.stereotype.Component;

/** Asks a source's PostgreSQL server which databases it has, before a restore is allowed to create one. */
@Component
class SourceDatabases {
    private final RegisteredSources sources;
    private final PgTools pg;

    SourceDatabases(RegisteredSources sources, PgTools pg) {
        this.sources = sources;
        this.pg = pg;
    }

    boolean exists(String source, String database) {
        SourceConnection server = sources.connection(source);
        try (Connection connection = pg.connect(server, server.database());
                PreparedStatement query = connection.prepareStatement("select 1 from pg_database where datname = ?")) {
            query.setString(1, database);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        } catch (SQLException e) {
            throw ApiException.badGateway(
                    "cannot check whether database '" + database + "' exists: connecting to source '"
                            + source + "' at " + server.host() + ":" + server.port() + "/" + server.database() + " as "
                            + server.username() + " failed (" + e.getMessage()
                            + "); check that the server is up and the"
                            + " source's connection details are right",
                    e);
        }
    }
}
