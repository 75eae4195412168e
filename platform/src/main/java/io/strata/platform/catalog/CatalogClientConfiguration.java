package io.strata.platform.catalog;

import io.micrometer.core.instrument.MeterRegistry;
import io.strata.platform.jobs.CommandQueue;
import io.strata.platform.jobs.CommandQueues;
import io.strata.platform.jobs.JobLeases;
import io.strata.platform.jobs.JobReporters;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.web.client.RestClient;

/** A {@link CatalogClient} for services that set {@code strata.catalog.url}. */
@AutoConfiguration
@ConditionalOnProperty("strata.catalog.url")
@EnableConfigurationProperties(CatalogClientProperties.class)
public class CatalogClientConfiguration {

    @Bean
    CatalogClient catalogClient(RestClient.Builder builder, CatalogClientProperties properties) {
        return new CatalogClient(builder.clone()
                .baseUrl(properties.url().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.token())
                .build());
    }

    /**
     * The job leases of a worker: {@code strata.worker.lease} (default 30 s) is how long the catalog waits
     * for a renewal before it takes the job back; renewals go out every third of it.
     */
    @Bean
    JobLeases jobLeases(
            CatalogClient catalog,
            @Value("${spring.application.name:strata}") String service,
            @Value("${strata.worker.lease:30s}") Duration lease) {
        return new JobLeases(catalog, JobReporters.workerName(service), lease);
    }

    /**
     * How a worker takes its commands: from a Kafka share group, {@code strata.worker.concurrency} jobs at a
     * time (default 2) on an executor off the polling thread; on shutdown running jobs get
     * {@code strata.worker.shutdown-grace} to finish before they are left to the catalog;
     * {@code strata.worker.command-delivery-limit} must equal the broker's {@code group.share.delivery.count.limit}.
     */
    @Bean
    @ConditionalOnBean(JobReporters.class)
    CommandQueues commandQueues(
            KafkaProperties kafka,
            JobLeases leases,
            JobReporters reporters,
            MessagePublisher publisher,
            MeterRegistry meters,
            @Value("${spring.application.name:strata}") String service,
            @Value("${strata.worker.concurrency:2}") int concurrency,
            @Value("${strata.worker.shutdown-grace:10s}") Duration shutdownGrace,
            @Value("${strata.worker.command-delivery-limit:5}") int deliveryLimit) {
        return new CommandQueues(
                kafka.getBootstrapServers(),
                JobReporters.workerName(service).replaceAll("[^A-Za-z0-9._-]", "-"),
                leases,
                reporters,
                publisher,
                new CommandQueue.Settings(concurrency, shutdownGrace, CommandQueue.CLAIM_PATIENCE, deliveryLimit),
                meters);
    }
}
