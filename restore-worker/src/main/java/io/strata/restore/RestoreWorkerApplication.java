package io.strata.restore;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Restores backups for the commands on {@code strata.restore.commands}; reports on {@code strata.job.events}. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class RestoreWorkerApplication {
    public static void main(String[] args) {
        SpringApplication.run(RestoreWorkerApplication.class, args);
    }
}
