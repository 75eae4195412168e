package io.strata.catalog;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the catalog's integration tests: the whole catalog against a real PostgreSQL
 * ({@link ThrowawayCatalogDatabase}), with its Kafka listeners not started. Tests hand records to the
 * listener methods themselves, as the container would: a listener that returns normally has its offset
 * committed, one that throws goes to the platform's error handler (retry, then {@code <topic>.dlt}).
 * The outbox relay does not run on its own either, and backups of a source are not limited to one at a
 * time ({@code JobDispatchIT} tests both). The lease sweeper does not run on its own (its first run would be an hour away): tests that need it call
 * it, so it cannot change a job under another test.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.kafka.listener.auto-startup=false",
            "spring.kafka.admin.auto-create=false",
            "strata.catalog.secrets.allow-plaintext=true",
            "strata.catalog.leases.sweep-interval=1h",
            // tests dispatch and relay themselves (JobDispatcher.feed, OutboxRelay.pass); no broker runs here
            "strata.catalog.outbox.auto-startup=false",
            // jobs of every test share source "shop": the one-backup-per-source rule has its own test
            "strata.catalog.jobs.backups-per-source=0",
            // the policy scheduler runs when a test calls it, with a clock of its own (PolicySchedulerIT)
            "strata.scheduler.enabled=false",
            "STRATA_CATALOG_TOKEN_ADMIN=" + CatalogIntegrationTest.ADMIN_TOKEN,
            "STRATA_CATALOG_TOKEN_WAL=" + CatalogIntegrationTest.WAL_TOKEN,
            "STRATA_CATALOG_TOKEN_GATEWAY=" + CatalogIntegrationTest.GATEWAY_TOKEN,
            "STRATA_CATALOG_TOKEN_BACKUP=" + CatalogIntegrationTest.BACKUP_TOKEN,
            "STRATA_CATALOG_TOKEN_RESTORE=" + CatalogIntegrationTest.RESTORE_TOKEN
        })
public abstract class CatalogIntegrationTest {
    protected static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
    protected static final String WAL_TOKEN = "wal-token-0123456789abcdef";
    protected static final String GATEWAY_TOKEN = "gateway-token-0123456789abcdef";
    protected static final String BACKUP_TOKEN = "backup-token-0123456789abcdef";
    protected static final String RESTORE_TOKEN = "restore-token-0123456789abcdef";
    /** Offsets are unique across the test run, so each test's records are its own. */
    private static final AtomicLong OFFSETS = new AtomicLong(1_000);

    @Autowired
    protected JdbcClient jdbc;

    @DynamicPropertySource
    static void catalogDatabase(DynamicPropertyRegistry registry) {
        registry.add(
                "spring.datasource.url", () -> ThrowawayCatalogDatabase.shared().jdbcUrl());
        registry.add(
                "spring.datasource.username",
                () -> ThrowawayCatalogDatabase.shared().user());
        registry.add("spring.datasource.password", () -> "");
    }

    /** A record as a producer of the contract sends it: {@code ce_id}, {@code ce_type} and, for jobs, the job id. */
    protected static ConsumerRecord<String, String> record(
            String topic, String key, String ceType, UUID jobId, String json) {
        ConsumerRecord<String, String> record = new ConsumerRecord<>(topic, 0, OFFSETS.incrementAndGet(), key, json);
        header(record, "ce_id", UUID.randomUUID().toString());
        header(record, "ce_type", ceType);
        header(record, "ce_source", "test-producer");
        if (jobId != null) {
            header(record, "strata_job_id", jobId.toString());
        }
        return record;
    }

    protected static void header(ConsumerRecord<String, String> record, String name, String value) {
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
