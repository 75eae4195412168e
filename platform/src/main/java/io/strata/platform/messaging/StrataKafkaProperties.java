package io.strata.platform.messaging;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** How Strata's topics are created and how hard a listener retries before dead-lettering. */
@Validated
@ConfigurationProperties("strata.kafka")
public record StrataKafkaProperties(
        @DefaultValue("3") @Min(1) int partitions,
        @DefaultValue("1") @Min(1) short replicationFactor,
        @DefaultValue("3") @Min(0) int maxRetries) {}
