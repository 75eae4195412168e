package io.strata.gateway.sources;

import io.strata.gateway.validation.SourceName;
import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

/**
 * {@code POST /api/v1/sources}: a PostgreSQL server and database to back up. The password may be empty
 * (trust auth); {@code walArchiving} (default false) switches continuous WAL archiving on from the start.
 */
public record NewSourceRequest(
        @NotNull(message = "is required") @SourceName String name,
        @NotBlank(message = "is required") String host,

        @NotNull(message = "is required")
        @Min(value = 1, message = "must be 1..65535")
        @Max(value = 65535, message = "must be 1..65535")
        Integer port,

        @NotBlank(message = "is required") String database,
        @NotBlank(message = "is required") String username,
        String password,
        Boolean walArchiving) {

    NewSource toCatalog() {
        return new NewSource(name, host.strip(), port, database, username, password, archivesWal());
    }

    boolean archivesWal() {
        return Boolean.TRUE.equals(walArchiving);
    }

    SourceConnection connection() {
        return new SourceConnection(name, host.strip(), port, database, username, password);
    }

    /** Never logs or prints the password, should the record end up in a message. */
    @Override
    public String toString() {
        return "NewSourceRequest[name=" + name + ", host=" + host + ", port=" + port + ", database=" + database
                + ", username=" + username + ", walArchiving=" + walArchiving + "]";
    }
}
