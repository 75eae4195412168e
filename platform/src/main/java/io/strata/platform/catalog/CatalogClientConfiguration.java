package io.strata.platform.catalog;

import io.strata.platform.jobs.JobLeases;
import io.strata.platform.logical.JobReporters;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.web.client.RestClient;

/** A {@link CatalogClient} for services that set {@code strata.catalog.url}. */
@AutoConfiguration
@ConditionalOnProperty("strata.catalog.url")
@EnableConfigurationProperties(CatalogClientProperties.class)
public class CatalogClientConfiguration {

    @Bean
    CatalogClient catalogClient(RestClient.Builder builder, CatalogClientProperties properties) {
        return new CatalogClient(builder.clone()
                .baseUrl(properties.url().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.token())
                .build());
    }

    /**
     * The job leases of a worker: {@code strata.worker.lease} (default 30 s) is how long the catalog waits
     * for a renewal before it takes the job back; renewals go out every third of it.
     */
    @Bean
    JobLeases jobLeases(
            CatalogClient catalog,
            @Value("${spring.application.name:strata}") String service,
            @Value("${strata.worker.lease:30s}") Duration lease) {
        return new JobLeases(catalog, JobReporters.workerName(service), lease);
    }
}
