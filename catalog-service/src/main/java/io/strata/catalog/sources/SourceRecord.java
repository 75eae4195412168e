package io.strata.catalog.sources;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTimeouts;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogApi.WalArchiving;
import java.time.OffsetDateTime;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Column;
import org.springframework.data.relational.core.mapping.Table;

/**
 * A row of {@code source}: a Spring Data JDBC aggregate keyed by the source's name. The password is held
 * only sealed ({@code passwordSecret}, see {@link io.strata.catalog.secrets.SecretCipher}); null settings
 * mean the defaults of {@link SourceTls} and {@link SourceTimeouts}; a null {@code encrypt} means "when the
 * workers have a key".
 */
@Table("source")
record SourceRecord(
        @Id String name,
        String host,
        int port,
        @Column("database_name") String database,
        String username,
        String passwordSecret,
        String sslMode,
        String caCertificate,
        Integer connectTimeoutSeconds,
        Integer ioTimeoutSeconds,
        boolean walArchiving,
        OffsetDateTime createdAt,
        Boolean encrypt) {

    SourceRecord withWalArchiving(boolean enabled) {
        return new SourceRecord(
                name,
                host,
                port,
                database,
                username,
                passwordSecret,
                sslMode,
                caCertificate,
                connectTimeoutSeconds,
                ioTimeoutSeconds,
                enabled,
                createdAt,
                encrypt);
    }

    SourceView view() {
        SourceTimeouts timeouts = timeouts();
        // the archiver reports its real state in a later version; until then enabled means configured
        return new SourceView(
                name,
                host,
                port,
                database,
                username,
                new WalArchiving(walArchiving, walArchiving ? "ENABLED" : "DISABLED"),
                createdAt.toInstant(),
                tls().modeOrDefault(),
                caCertificate != null,
                new SourceTimeouts(timeouts.connect(), timeouts.io()),
                encrypt);
    }

    /** The connection details with the already opened {@code password} (null when none is stored). */
    SourceConnection connection(String password) {
        return new SourceConnection(name, host, port, database, username, password, tls(), timeouts(), encrypt);
    }

    private SourceTls tls() {
        return new SourceTls(sslMode, caCertificate);
    }

    private SourceTimeouts timeouts() {
        return new SourceTimeouts(connectTimeoutSeconds, ioTimeoutSeconds);
    }

    /** Neither the sealed password nor whether it is plaintext ever reaches a log. */
    @Override
    public String toString() {
        return "SourceRecord[name=" + name + ", host=" + host + ", port=" + port + ", database=" + database
                + ", username=" + username + ", password=" + (passwordSecret == null ? "none" : "(redacted)")
                + ", sslMode=" + sslMode + ", caCertificate=" + (caCertificate != null) + ", connectTimeoutSeconds="
                + connectTimeoutSeconds + ", ioTimeoutSeconds=" + ioTimeoutSeconds + ", walArchiving=" + walArchiving
                + ", createdAt=" + createdAt + ", encrypt=" + encrypt + "]";
    }
}
