package io.strata.backup;

import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.storage.ObjectStore;
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
class BackupWorkerConfiguration {

    @Bean
    LogicalBackup logicalBackup(
            PgTools pgTools,
            ObjectStore store,
            StorageEncryption encryption,
            Clock clock,
            LogicalBackupProperties properties) {
        return new LogicalBackup(pgTools, store, encryption, clock, properties);
    }

    @Bean
    JobReporters jobReporters(
            MessagePublisher publisher, Clock clock, @Value("${spring.application.name}") String serviceName) {
        return new JobReporters(publisher, clock, Duration.ofSeconds(1), JobReporters.workerName(serviceName));
    }

    @Bean
    JobMetrics backupMetrics(MeterRegistry registry) {
        return new JobMetrics(
                registry,
                "backup",
                "Bytes dumped from sources, before compression",
                result -> ((BackupResult) result).sizeBytes());
    }
}
