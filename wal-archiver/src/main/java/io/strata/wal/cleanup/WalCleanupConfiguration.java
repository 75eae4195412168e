package io.strata.wal.cleanup;

import io.strata.platform.jobs.JobReporters;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class WalCleanupConfiguration {

    @Bean
    JobReporters jobReporters(
            MessagePublisher publisher, Clock clock, @Value("${spring.application.name}") String serviceName) {
        return new JobReporters(publisher, clock, Duration.ofSeconds(1), JobReporters.workerName(serviceName));
    }
}
