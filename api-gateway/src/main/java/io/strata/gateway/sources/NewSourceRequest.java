package io.strata.gateway.sources;

import io.strata.gateway.validation.SourceName;
import io.strata.gateway.web.PlainLine;
import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTimeouts;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/v1/sources}: a PostgreSQL server and database to back up. The password may be empty
 * (trust auth); {@code walArchiving} (default false) switches continuous WAL archiving on from the start.
 * Names are bounded as PostgreSQL bounds them (63 bytes), a host as DNS does (253); no field may hold a
 * control character. {@code tls} and {@code timeouts} are optional (libpq's {@code prefer}; 10 s to
 * connect, 300 s of silence while working). {@code encrypt} is optional: {@code true} requires client-side
 * encryption of everything stored for the source (a worker without a key fails the job before writing),
 * {@code false} stores in clear, absent encrypts whenever the workers have a key.
 */
public record NewSourceRequest(
        @NotNull(message = "is required") @SourceName String name,

        @NotBlank(message = "is required")
        @PlainLine(maxBytes = 253, message = "must be a host name or address of at most 253 characters, one line")
        String host,

        @NotNull(message = "is required")
        @Min(value = 1, message = "must be 1..65535")
        @Max(value = 65535, message = "must be 1..65535")
        Integer port,

        @NotBlank(message = "is required")
        @PlainLine(maxBytes = 63, message = "must be at most 63 bytes (PostgreSQL's limit), one line")
        String database,

        @NotBlank(message = "is required")
        @PlainLine(maxBytes = 63, message = "must be at most 63 bytes (PostgreSQL's limit), one line")
        String username,

        @PlainLine(maxBytes = 1024, message = "must be at most 1024 bytes, without control characters")
        String password,

        Boolean walArchiving,
        @Valid Tls tls,
        @Valid Timeouts timeouts,
        Boolean encrypt) {

    /** TLS to the source: libpq's sslmode, and the PEM of the CA the verify modes check the server against. */
    public record Tls(
            @Pattern(
                    regexp = "disable|prefer|require|verify-ca|verify-full",
                    message = "must be one of disable, prefer, require, verify-ca, verify-full")
            String sslMode,

            @Size(max = 65536, message = "must be a PEM certificate of at most 64 KiB")
            String caCertificate) {
        SourceTls toCatalog() {
            return new SourceTls(sslMode, caCertificate);
        }

        @AssertTrue(
                message = "sslMode verify-ca and verify-full need caCertificate: the PEM of the CA that signed"
                        + " the server's certificate")
        boolean isCaCertificateGivenWhenVerifying() {
            return sslMode == null
                    || !sslMode.startsWith("verify-")
                    || (caCertificate != null && !caCertificate.isBlank());
        }
    }

    /** Deadlines: connecting and logging in, and how long the source may stay silent while working. */
    public record Timeouts(
            @Min(value = 1, message = "must be 1..120 seconds") @Max(value = 120, message = "must be 1..120 seconds")
            Integer connectSeconds,

            @Min(value = 5, message = "must be 5..86400 seconds")
            @Max(value = 86400, message = "must be 5..86400 seconds")
            Integer ioSeconds) {
        SourceTimeouts toCatalog() {
            return new SourceTimeouts(connectSeconds, ioSeconds);
        }
    }

    NewSource toCatalog() {
        return new NewSource(
                name,
                host.strip(),
                port,
                database,
                username,
                password,
                archivesWal(),
                tlsOrNull(),
                timeoutsOrNull(),
                encrypt);
    }

    boolean archivesWal() {
        return Boolean.TRUE.equals(walArchiving);
    }

    SourceConnection connection() {
        return new SourceConnection(
                name, host.strip(), port, database, username, password, tlsOrNull(), timeoutsOrNull(), encrypt);
    }

    private SourceTls tlsOrNull() {
        return tls == null ? null : tls.toCatalog();
    }

    private SourceTimeouts timeoutsOrNull() {
        return timeouts == null ? null : timeouts.toCatalog();
    }

    /** Never logs or prints the password, should the record end up in a message. */
    @Override
    public String toString() {
        return "NewSourceRequest[name=" + name + ", host=" + host + ", port=" + port + ", database=" + database
                + ", username=" + username + ", walArchiving=" + walArchiving + ", tls=" + tls + ", timeouts="
                + timeouts + ", encrypt=" + encrypt + "]";
    }
}
