package io.strata.backup;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Takes backups for the commands on {@code strata.backup.commands}; reports on {@code strata.job.events}. */
@SpringBootApplication
public class BackupWorkerApplication {
    public static void main(String[] args) {
        SpringApplication.run(BackupWorkerApplication.class, args);
    }
}
