package io.strata.platform.messaging;

import io.strata.common.messaging.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;
import tools.jackson.core.JacksonException;

/**
 * Kafka as every Strata service uses it: the contract's topics and their {@code .dlt} twins (job command
 * topics with one partition, see {@link Topics#JOB_COMMANDS}; the others {@code strata.kafka.partitions}), a bounded
 * retry before dead-lettering, and the CloudEvents publisher. Producer settings ({@code acks=all},
 * idempotence) and commit-after-processing come from {@code strata-platform.yml}.
 */
@AutoConfiguration
@EnableConfigurationProperties(StrataKafkaProperties.class)
public class KafkaMessagingConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    KafkaAdmin.NewTopics strataTopics(StrataKafkaProperties properties) {
        List<NewTopic> topics = new ArrayList<>();
        for (String topic : Topics.ALL) {
            int partitions = Topics.JOB_COMMANDS.contains(topic) ? 1 : properties.partitions();
            topics.add(topic(topic, partitions, properties));
            topics.add(topic(Topics.deadLetter(topic), partitions, properties));
        }
        return new KafkaAdmin.NewTopics(topics.toArray(NewTopic[]::new));
    }

    private static NewTopic topic(String name, int partitions, StrataKafkaProperties properties) {
        return TopicBuilder.name(name)
                .partitions(partitions)
                .replicas(properties.replicationFactor())
                .build();
    }

    @Bean
    MessagePublisher messagePublisher(
            KafkaTemplate<String, String> kafka, @Value("${spring.application.name}") String serviceName, Clock clock) {
        return new MessagePublisher(kafka, serviceName, clock);
    }

    /** Retries a failing record a few times with backoff, then parks it on {@code <topic>.dlt}, same partition. */
    @Bean
    DefaultErrorHandler kafkaErrorHandler(KafkaTemplate<String, String> kafka, StrataKafkaProperties properties) {
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(
                kafka, (record, ex) -> new TopicPartition(Topics.deadLetter(record.topic()), record.partition()));
        ExponentialBackOff backOff = new ExponentialBackOff(500, 2.0);
        backOff.setMaxAttempts(properties.maxRetries());
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
        handler.addNotRetryableExceptions(
                JacksonException.class, IllegalArgumentException.class, IncomingMessages.MissingCeIdException.class);
        return handler;
    }
}
