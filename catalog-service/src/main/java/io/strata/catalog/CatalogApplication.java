package io.strata.catalog;

import io.strata.platform.catalog.CatalogClientConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The catalog: owns sources, jobs and backups, turns commands and job events into their state. */
// the catalog calls no catalog: the platform's client (and its token setting) is for the other services
@SpringBootApplication(exclude = CatalogClientConfiguration.class)
@EnableScheduling
@ConfigurationPropertiesScan
public class CatalogApplication {
    public static void main(String[] args) {
        SpringApplication.run(CatalogApplication.class, args);
    }
}
