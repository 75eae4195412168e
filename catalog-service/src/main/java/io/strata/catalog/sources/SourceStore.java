package io.strata.catalog.sources;

import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceView;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.stereotype.Component;

/** Registered sources, through Spring Data JDBC. */
@Component
class SourceStore {
    private final SourceRepository repository;
    private final JdbcAggregateOperations aggregates;

    SourceStore(SourceRepository repository, JdbcAggregateOperations aggregates) {
        this.repository = repository;
        this.aggregates = aggregates;
    }

    /** False when the name is already registered. */
    boolean insert(NewSource source, Instant createdAt) {
        try {
            // insert, not save: the id (the name) is assigned, so save() would try an UPDATE
            aggregates.insert(new SourceRecord(
                    source.name(),
                    source.host().trim(),
                    source.port(),
                    source.database().trim(),
                    source.username().trim(),
                    source.password(),
                    source.walArchiving(),
                    createdAt.atOffset(ZoneOffset.UTC)));
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
                .map(found -> repository
                        .save(new SourceRecord(
                                found.name(),
                                found.host(),
                                found.port(),
                                found.database(),
                                found.username(),
                                found.password(),
                                enabled,
                                found.createdAt()))
                        .view());
    }

    List<SourceView> findAll() {
        return repository.findAllByOrderByNameAsc().stream()
                .map(SourceRecord::view)
                .toList();
    }

    Optional<SourceView> find(String name) {
        return repository.findById(name).map(SourceRecord::view);
    }

    Optional<SourceConnection> connection(String name) {
        return repository.findById(name).map(SourceRecord::connection);
    }
}
