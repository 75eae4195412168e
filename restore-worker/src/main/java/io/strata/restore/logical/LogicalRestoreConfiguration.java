package io.strata.restore.logical;

import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.event.JobResult.DrillResult;
import io.strata.common.event.JobResult.RestoreResult;
import io.strata.common.event.JobResult.UploadRestoreResult;
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
    SafetyBackup safetyBackup(
            PgTools pgTools,
            ObjectStore store,
            StorageEncryption encryption,
            JobReporters reporters,
            LogicalBackupProperties backupProperties,
            Clock clock) {
        return new SafetyBackup(
                new LogicalBackup(pgTools, store, encryption, clock, backupProperties), reporters, clock);
    }

    @Bean
    LogicalRestore logicalRestore(
            CatalogClient catalog,
            ObjectStore store,
            StorageEncryption encryption,
            PgTools pgTools,
            SafetyBackup safetyBackup,
            RestoreProperties properties) {
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
    UploadRestore uploadRestore(
            CatalogClient catalog,
            ObjectStore store,
            StorageEncryption encryption,
            PgTools pgTools,
            LogicalRestore logicalRestore,
            SafetyBackup safetyBackup,
            RestoreProperties properties,
            Clock clock) {
        return new UploadRestore(
                catalog,
                store,
                encryption,
                logicalRestore,
                new PgRestoreRunner(pgTools),
                new DatabaseAdmin(pgTools),
                new ConfinedRoles(pgTools, clock),
                safetyBackup,
                properties);
    }

    @Bean
    JobMetrics restoreMetrics(MeterRegistry registry) {
        return new JobMetrics(
                registry, "restore", "Bytes of pg_dump archives restored, uncompressed", result -> switch (result) {
                    case RestoreResult restore -> restore.restoredBytes();
                    case UploadRestoreResult upload -> upload.uploadedBytes();
                    case DrillResult drill -> drill.restoredBytes();
                    default -> 0L;
                });
    }
}
