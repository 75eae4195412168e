package io.strata.platform.logical;

import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.SourceErrors;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Asks the source for the facts a backup records before it starts dumping. */
@FunctionalInterface
public interface SourceInspector {

    /** @throws JobFailureException {@link FailureCode#PG_DUMP_FAILED} when the source cannot be reached. */
    ServerFacts inspect(SourceConnection source, String database);

    /** Reads the database size (the progress estimate) and the server version over JDBC. */
    static SourceInspector jdbc(PgTools pgTools) {
        return (source, database) -> {
            try (Connection connection = pgTools.connect(source, database);
                    Statement statement = connection.createStatement()) {
                long size;
                try (ResultSet rs = statement.executeQuery("select pg_database_size(current_database())")) {
                    rs.next();
                    size = rs.getLong(1);
                }
                try (ResultSet rs = statement.executeQuery("show server_version")) {
                    rs.next();
                    return new ServerFacts(size, rs.getString(1));
                }
            } catch (SQLException e) {
                throw SourceErrors.jobFailure(source, database, "checking the server", e, FailureCode.PG_DUMP_FAILED);
            }
        };
    }
}
