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
        List<SourceView> sources =
                catalog.http().get().uri("/api/v1/sources").retrieve().body(SOURCES);
        Set<String> names = new LinkedHashSet<>();
        for (SourceView source : sources == null ? List.<SourceView>of() : sources) {
            if (source.walArchiving() != null && source.walArchiving().enabled()) {
                names.add(source.name());
            }
        }
        return names;
    }
}
