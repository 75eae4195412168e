package io.strata.backup;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Takes backups for the commands on {@code strata.backup.commands}; reports on {@code strata.job.events}. */
@SpringBootApplication
@EnableScheduling // the orphan sweep
public class BackupWorkerApplication {
    public static void main(String[] args) {
        SpringApplication.run(BackupWorkerApplication.class, args);
    }
}
