package io.strata.catalog.sources;

import io.strata.catalog.support.SqlTime;
import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogApi.WalArchiving;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code source} table. */
@Repository
class SourceStore {
    private static final String VIEW_COLUMNS = "name, host, port, database_name, username, wal_archiving, created_at";
    private final JdbcClient jdbc;

    SourceStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** False when the name is already registered. */
    boolean insert(NewSource source, Instant createdAt) {
        return jdbc.sql("""
                        INSERT INTO source (name, host, port, database_name, username, password, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (name) DO NOTHING""")
                        .params(
                                source.name(),
                                source.host().trim(),
                                source.port(),
                                source.database().trim(),
                                source.username().trim(),
                                source.password(),
                                SqlTime.bind(createdAt))
                        .update()
                == 1;
    }

    List<SourceView> findAll() {
        return jdbc.sql("SELECT " + VIEW_COLUMNS + " FROM source ORDER BY name")
                .query(SourceStore::view)
                .list();
    }

    Optional<SourceView> find(String name) {
        return jdbc.sql("SELECT " + VIEW_COLUMNS + " FROM source WHERE name = ?")
                .param(name)
                .query(SourceStore::view)
                .optional();
    }

    Optional<SourceConnection> connection(String name) {
        return jdbc.sql("SELECT name, host, port, database_name, username, password FROM source WHERE name = ?")
                .param(name)
                .query((rs, row) -> new SourceConnection(
                        rs.getString("name"),
                        rs.getString("host"),
                        rs.getInt("port"),
                        rs.getString("database_name"),
                        rs.getString("username"),
                        rs.getString("password")))
                .optional();
    }

    private static SourceView view(ResultSet rs, int row) throws SQLException {
        boolean archiving = rs.getBoolean("wal_archiving");
        return new SourceView(
                rs.getString("name"),
                rs.getString("host"),
                rs.getInt("port"),
                rs.getString("database_name"),
                rs.getString("username"),
                // the archiver reports its real state in a later version; until then enabled means configured
                new WalArchiving(archiving, archiving ? "ENABLED" : "DISABLED"),
                SqlTime.read(rs, "created_at"));
    }
}
