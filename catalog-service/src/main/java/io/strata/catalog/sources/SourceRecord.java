package io.strata.catalog.sources;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogApi.WalArchiving;
import java.time.OffsetDateTime;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Column;
import org.springframework.data.relational.core.mapping.Table;

/** A row of {@code source}: a Spring Data JDBC aggregate keyed by the source's name. */
@Table("source")
record SourceRecord(
        @Id String name,
        String host,
        int port,
        @Column("database_name") String database,
        String username,
        // Stored as given so workers can connect; encryption at rest is future work (see V1__catalog.sql).
        String password,
        boolean walArchiving,
        OffsetDateTime createdAt) {

    SourceView view() {
        // the archiver reports its real state in a later version; until then enabled means configured
        return new SourceView(
                name,
                host,
                port,
                database,
                username,
                new WalArchiving(walArchiving, walArchiving ? "ENABLED" : "DISABLED"),
                createdAt.toInstant());
    }

    SourceConnection connection() {
        return new SourceConnection(name, host, port, database, username, password);
    }
}
