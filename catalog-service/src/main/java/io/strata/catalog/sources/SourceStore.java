package io.strata.catalog.sources;

import io.strata.catalog.secrets.SecretCipher;
import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTimeouts;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import io.strata.platform.catalog.CatalogApi.SourceView;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.stereotype.Component;

/** Registered sources, through Spring Data JDBC; passwords go in and come out through the cipher. */
@Component
class SourceStore {
    private final SourceRepository repository;
    private final JdbcAggregateOperations aggregates;
    private final SecretCipher cipher;

    SourceStore(SourceRepository repository, JdbcAggregateOperations aggregates, SecretCipher cipher) {
        this.repository = repository;
        this.aggregates = aggregates;
        this.cipher = cipher;
    }

    /** False when the name is already registered. */
    boolean insert(NewSource source, Instant createdAt) {
        SourceTls tls = source.tls() == null ? new SourceTls(null, null) : source.tls();
        SourceTimeouts timeouts = source.timeouts() == null ? new SourceTimeouts(null, null) : source.timeouts();
        try {
            // insert, not save: the id (the name) is assigned, so save() would try an UPDATE
            aggregates.insert(new SourceRecord(
                    source.name(),
                    source.host().trim(),
                    source.port(),
                    source.database().trim(),
                    source.username().trim(),
                    source.password() == null ? null : cipher.seal(source.password(), source.name()),
                    tls.sslMode(),
                    SourceValidator.hasText(tls.caCertificate()) ? tls.caCertificate() : null,
                    timeouts.connectSeconds(),
                    timeouts.ioSeconds(),
                    source.walArchiving(),
                    createdAt.atOffset(ZoneOffset.UTC),
                    source.encrypt()));
            return true;
        } catch (DataAccessException e) {
            // Spring Data JDBC wraps the driver's unique violation in DbActionExecutionException
            if (e.contains(DuplicateKeyException.class)) {
                return false;
            }
            throw e;
        }
    }

    /** Switches WAL archiving; empty when no such source. */
    Optional<SourceView> setWalArchiving(String name, boolean enabled) {
        return repository
                .findById(name)
                .map(found -> repository.save(found.withWalArchiving(enabled)).view());
    }

    List<SourceView> findAll() {
        return repository.findAllByOrderByNameAsc().stream()
                .map(SourceRecord::view)
                .toList();
    }

    Optional<SourceView> find(String name) {
        return repository.findById(name).map(SourceRecord::view);
    }

    /**
     * The connection details with the password decrypted.
     *
     * @throws io.strata.catalog.secrets.SecretUnavailableException when the password's key is not configured
     */
    Optional<SourceConnection> connection(String name) {
        return repository
                .findById(name)
                .map(found -> found.connection(
                        found.passwordSecret() == null ? null : cipher.open(found.passwordSecret(), found.name())));
    }
}
