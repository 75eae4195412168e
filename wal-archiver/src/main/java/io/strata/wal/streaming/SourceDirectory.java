package io.strata.wal.streaming;

import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogClient;
import java.util.List;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.stereotype.Component;

/** The registered sources and which of them the catalog wants archived ({@code walArchiving.enabled}). */
@Component
class SourceDirectory {
    private static final ParameterizedTypeReference<List<SourceView>> SOURCES = new ParameterizedTypeReference<>() {};
    private final CatalogClient catalog;

    SourceDirectory(CatalogClient catalog) {
        this.catalog = catalog;
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
