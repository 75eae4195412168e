package io.strata.wal.streaming;

import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogClient;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.stereotype.Component;

/** Which sources the catalog wants archived: those whose {@code walArchiving.enabled} is true. */
@Component
class SourceDirectory {
    private static final ParameterizedTypeReference<List<SourceView>> SOURCES = new ParameterizedTypeReference<>() {};
    private final CatalogClient catalog;

    SourceDirectory(CatalogClient catalog) {
        this.catalog = catalog;
    }

    Set<String> archivedSources() {
        Set<String> names = new LinkedHashSet<>();
        sources().forEach((name, archived) -> {
            if (archived) {
                names.add(name);
            }
        });
        return names;
    }

    /** Every registered source, and whether its WAL archiving is on. */
    java.util.Map<String, Boolean> sources() {
        List<SourceView> sources =
                catalog.http().get().uri("/api/v1/sources").retrieve().body(SOURCES);
        java.util.Map<String, Boolean> all = new java.util.LinkedHashMap<>();
        for (SourceView source : sources == null ? List.<SourceView>of() : sources) {
            all.put(
                    source.name(),
                    source.walArchiving() != null && source.walArchiving().enabled());
        }
        return all;
    }
}
