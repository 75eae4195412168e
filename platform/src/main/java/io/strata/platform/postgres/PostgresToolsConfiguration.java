package io.strata.platform.postgres;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

@AutoConfiguration
@EnableConfigurationProperties(PostgresProperties.class)
public class PostgresToolsConfiguration {

    @Bean
    PgTools pgTools(PostgresProperties properties, @Value("${spring.application.name}") String serviceName) {
        return new PgTools(properties, "strata-" + serviceName);
    }
}
