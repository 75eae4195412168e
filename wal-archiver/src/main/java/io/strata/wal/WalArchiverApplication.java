package io.strata.wal;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The wal-archiver: continuous WAL streaming, restore points and WAL cleanup (contract port 8084).
 * Streams the WAL of every source with WAL archiving switched on into the object store (see
 * {@code io.strata.wal.streaming}); restore points and WAL cleanup are not here yet.
 */
@SpringBootApplication
public class WalArchiverApplication {

    public static void main(String[] args) {
        SpringApplication.run(WalArchiverApplication.class, args);
    }
}
