package io.strata.wal;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The wal-archiver: continuous WAL streaming, restore points and WAL cleanup (contract port 8084).
 * Today it runs as a member of the stack (health, metrics, Kafka topics) and reports honestly on
 * {@code /actuator/info} that continuous archiving is not implemented yet.
 */
@SpringBootApplication
public class WalArchiverApplication {

    public static void main(String[] args) {
        SpringApplication.run(WalArchiverApplication.class, args);
    }
}
