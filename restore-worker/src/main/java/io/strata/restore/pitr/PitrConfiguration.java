package io.strata.restore.pitr;

import io.strata.common.storage.ObjectStore;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.storage.StorageEncryption;
import java.time.Clock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(PitrProperties.class)
class PitrConfiguration {

    @Bean
    PointInTimeRestore pointInTimeRestore(
            CatalogClient catalog,
            ObjectStore store,
            StorageEncryption encryption,
            PgTools pgTools,
            PitrProperties properties,
            Clock clock) {
        DataRoots roots = DataRoots.prepare(properties.dataRoots());
        return new PointInTimeRestore(
                catalog, store, encryption, pgTools, properties, roots, RestoreProgram.install(roots.first()), clock);
    }

    @Bean
    DrillClusters drillClusters(PointInTimeRestore pitr, PgTools pgTools, PitrProperties properties) {
        return new DrillClusters(pitr, pgTools, properties, pitr.firstDataRoot());
    }
}
