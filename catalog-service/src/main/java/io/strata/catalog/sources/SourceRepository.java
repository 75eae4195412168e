package io.strata.catalog.sources;

import java.util.List;
import org.springframework.data.repository.ListCrudRepository;

interface SourceRepository extends ListCrudRepository<SourceRecord, String> {
    List<SourceRecord> findAllByOrderByNameAsc();
}
