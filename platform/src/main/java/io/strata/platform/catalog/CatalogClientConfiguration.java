package io.strata.platform.catalog;

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
}
