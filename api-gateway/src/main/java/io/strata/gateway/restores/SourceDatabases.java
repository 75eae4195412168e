package io.strata.gateway.restores;

import io.strata.gateway.sources.SourceSql;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.springframework.stereotype.Component;

/** Asks a source's PostgreSQL server which databases it has, before a restore is allowed to create one. */
@Component
public class SourceDatabases {
    private final SourceSql sql;

    public SourceDatabases(SourceSql sql) {
        this.sql = sql;
    }

    public boolean exists(String source, String database) {
        return sql.run(source, "check whether database '" + database + "' exists", (connection, server) -> {
            try (PreparedStatement query = connection.prepareStatement("select 1 from pg_database where datname = ?")) {
                query.setString(1, database);
                try (ResultSet rows = query.executeQuery()) {
                    return rows.next();
                }
            }
        });
    }
}
