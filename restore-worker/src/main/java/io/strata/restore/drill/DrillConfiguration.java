package io.strata.restore.drill;

import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.postgres.PgTools;
import io.strata.restore.logical.LogicalRestore;
import io.strata.restore.pitr.DrillClusters;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class DrillConfiguration {

    @Bean
    RestoreDrill restoreDrill(
            CatalogClient catalog, DrillClusters clusters, LogicalRestore logical, PgTools pgTools, Clock clock) {
        return new RestoreDrill(catalog, clusters, logical, pgTools, clock);
    }
}
