package io.strata.backup;

import io.strata.common.storage.ObjectStore;
import io.strata.platform.logical.JobReporters;
import io.strata.platform.logical.LogicalBackup;
import io.strata.platform.messaging.MessagePublisher;
import io.strata.platform.postgres.PgTools;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class BackupWorkerConfiguration {

    @Bean
    LogicalBackup logicalBackup(PgTools pgTools, ObjectStore store, Clock clock) {
        return new LogicalBackup(pgTools, store, clock);
    }

    @Bean
    JobReporters jobReporters(
            MessagePublisher publisher, Clock clock, @Value("${spring.application.name}") String serviceName) {
        return new JobReporters(publisher, clock, Duration.ofSeconds(1), JobReporters.workerName(serviceName));
    }
}
