package io.strata.platform.postgres;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

@AutoConfiguration
@EnableConfigurationProperties({PostgresProperties.class, SourceNetworkProperties.class})
public class PostgresToolsConfiguration {

    @Bean
    SourceNetworks sourceNetworks(SourceNetworkProperties properties) {
        return SourceNetworks.of(properties.allowedNetworks());
    }

    @Bean
    PgTools pgTools(
            PostgresProperties properties,
            SourceNetworks networks,
            @Value("${spring.application.name}") String serviceName) {
        return new PgTools(properties, networks, "strata-" + serviceName);
    }
}
