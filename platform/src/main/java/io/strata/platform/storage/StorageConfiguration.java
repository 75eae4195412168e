package io.strata.platform.storage;

import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.S3ObjectStore;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** The {@link ObjectStore} a service writes backups to, from {@code strata.storage}. */
@AutoConfiguration
@EnableConfigurationProperties({StorageProperties.class, EncryptionProperties.class})
public class StorageConfiguration {
    private static final Logger log = LoggerFactory.getLogger(StorageConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    ObjectStore objectStore(StorageProperties properties) throws IOException {
        return switch (properties.type()) {
            case LOCAL -> {
                if (properties.local() == null || properties.local().root() == null) {
                    throw new IllegalStateException("strata.storage.type=local needs strata.storage.local.root");
                }
                yield new LocalObjectStore(properties.local().root());
            }
            case S3 -> s3(properties.s3());
        };
    }

    /** This service's encryption keys (none configured: objects stored in clear). */
    @Bean
    @ConditionalOnMissingBean
    StorageEncryption storageEncryption(
            EncryptionProperties properties, @Value("${spring.application.name:strata}") String service) {
        StorageEncryption encryption = StorageEncryption.from(service, properties);
        if (properties != null && properties.configured()) {
            // off the start-up path: a job that comes first is only slower until it is done
            Thread.ofPlatform().daemon().name("strata-aes-gcm-warm-up").start(() -> {
                ObjectEncryption.WarmUp warmUp = ObjectEncryption.warmUp();
                log.info(
                        "AES-GCM warmed up in {} ms ({} rounds); then {} MB/s (seal and open of a 1 MiB chunk)",
                        warmUp.took().toMillis(),
                        warmUp.rounds(),
                        Math.round(warmUp.megabytesPerSecond()));
            });
        }
        return encryption;
    }

    private static ObjectStore s3(StorageProperties.S3 s3) {
        if (s3 == null) {
            throw new IllegalStateException(
                    "strata.storage.type=s3 needs strata.storage.s3.bucket (and endpoint for a non-AWS S3)");
        }
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                // one retry layer: S3ObjectStore retries each call (resilience4j, jittered, bounded); the
                // SDK's own retries inside it would multiply the attempts
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .region(Region.of(s3.region()))
                .forcePathStyle(s3.pathStyle());
        if (s3.endpoint() != null) {
            builder.endpointOverride(s3.endpoint());
        }
        builder.credentialsProvider(
                s3.accessKey() != null && !s3.accessKey().isBlank()
                        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), s3.secretKey()))
                        : DefaultCredentialsProvider.builder().build());
        S3ObjectStore store = new S3ObjectStore(
                builder.build(),
                s3.bucket(),
                s3.partSizeMib() * 1024 * 1024,
                s3.partsInFlight(),
                S3ObjectStore.defaultRetry());
        if (s3.createBucket()) {
            store.ensureBucket();
        }
        return store;
    }
}
