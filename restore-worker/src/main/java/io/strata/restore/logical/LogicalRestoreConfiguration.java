package io.strata.restore.logical;

import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.event.JobResult.RestoreResult;
import io.strata.common.storage.ObjectStore;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobMetrics;
import io.strata.platform.jobs.JobReporters;
import io.strata.platform.logical.LogicalBackup;
import io.strata.platform.logical.LogicalBackupProperties;
import io.strata.platform.messaging.MessagePublisher;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.storage.StorageEncryption;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LogicalBackupProperties.class)
class LogicalRestoreConfiguration {

    @Bean
    JobReporters jobReporters(
            MessagePublisher publisher, Clock clock, @Value("${spring.application.name}") String serviceName) {
        return new JobReporters(publisher, clock, Duration.ofSeconds(1), JobReporters.workerName(serviceName));
    }

    @Bean
    LogicalRestore logicalRestore(
            CatalogClient catalog,
            ObjectStore store,
            StorageEncryption encryption,
            PgTools pgTools,
            JobReporters reporters,
            RestoreProperties properties,
            LogicalBackupProperties backupProperties,
            Clock clock) {
        SafetyBackup safetyBackup = new SafetyBackup(
                new LogicalBackup(pgTools, store, encryption, clock, backupProperties), reporters, clock);
        return new LogicalRestore(
                catalog,
                store,
                encryption,
                new PgRestoreRunner(pgTools),
                new DatabaseAdmin(pgTools),
                safetyBackup,
                properties);
    }

    @Bean
    JobMetrics restoreMetrics(MeterRegistry registry) {
        return new JobMetrics(
                registry,
                "restore",
                "Bytes of pg_dump archives restored, uncompressed",
                result -> ((RestoreResult) result).restoredBytes());
    }
}
