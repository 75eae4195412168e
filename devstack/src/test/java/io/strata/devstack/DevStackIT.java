package io.strata.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.storage.ObjectUpload;
import io.strata.common.storage.S3ObjectStore;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The infrastructure half of the dev stack (no services): real Kafka, S3Proxy and two PostgreSQL clusters. */
class DevStackIT {
    @TempDir
    static Path temp;

    static DevStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = DevStack.start(new DevStackOptions(temp.resolve("state"), temp, false, false));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void kafkaBrokerAcceptsAndDeliversRecords() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafkaBootstrap()))) {
            admin.createTopics(List.of(new NewTopic("devstack.check", 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> producerConfig =
                Map.of("bootstrap.servers", stack.kafkaBootstrap(), "acks", "all", "enable.idempotence", true);
        try (var producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("devstack.check", "k", "hello")).get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> consumerConfig = Map.of(
                "bootstrap.servers",
                stack.kafkaBootstrap(),
                "group.id",
                "devstack-it",
                "auto.offset.reset",
                "earliest");
        try (var consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("devstack.check"));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            for (int i = 0; i < 60 && records.isEmpty(); i++) {
                records = consumer.poll(Duration.ofMillis(500));
            }
            assertThat(records).extracting(r -> r.value()).containsExactly("hello");
        }
    }

    @Test
    void s3MultipartUploadOfTwelveMebibytesReadsBackIdentically() throws Exception {
        byte[] content = new byte[12 * 1024 * 1024 + 123];
        new Random(42).nextBytes(content);
        try (S3Client s3 = s3Client(stack.s3Endpoint())) {
            S3ObjectStore store =
                    new S3ObjectStore(s3, stack.s3Bucket(), 5 * 1024 * 1024, 2, S3ObjectStore.defaultRetry());
            try (ObjectUpload upload = store.create("check/big.bin")) {
                upload.write(content);
                assertThat(upload.complete()).isEqualTo(content.length);
            }
            assertThat(store.readAll("check/big.bin")).isEqualTo(content);
            assertThat(store.stat("check/big.bin"))
                    .hasValueSatisfying(info -> assertThat(info.size()).isEqualTo(content.length));
        }
    }

    /**
     * A write of known length in one PUT (how the wal-archiver stores a segment from its spool file), through the
     * fault proxy failing every second request: each retry reads the content again from its start, and every
     * object reads back identically.
     */
    @Test
    void onePutFromReopenableContentSurvivesFaultsAndReadsBackIdentically() throws Exception {
        try (S3Client s3 = s3Client(stack.s3Faults().endpoint())) {
            S3ObjectStore store =
                    new S3ObjectStore(s3, stack.s3Bucket(), 5 * 1024 * 1024, 2, S3ObjectStore.defaultRetry());
            Random random = new Random(7);
            List<byte[]> contents = new ArrayList<>();
            AtomicInteger opens = new AtomicInteger();
            stack.s3Faults().faultRate(0.5);
            try {
                for (int i = 0; i < 6; i++) {
                    byte[] content = new byte[1024 * 1024 + i];
                    random.nextBytes(content);
                    contents.add(content);
                    store.put("check/put-" + i, content.length, () -> {
                        opens.incrementAndGet();
                        return new ByteArrayInputStream(content);
                    });
                }
            } finally {
                stack.s3Faults().faultRate(0);
            }
            assertThat(stack.s3Faults().injected()).containsKeys("500", "503");
            assertThat(opens.get())
                    .as("retried writes read their content again")
                    .isGreaterThan(6);
            for (int i = 0; i < contents.size(); i++) {
                assertThat(store.readAll("check/put-" + i)).as("object %d", i).isEqualTo(contents.get(i));
            }
        }
    }

    private static S3Client s3Client(URI endpoint) {
        return S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(stack.s3AccessKey(), stack.s3SecretKey())))
                .build();
    }

    @Test
    void bothClustersAcceptPasswordLoginsAndTheCatalogHasItsDatabase() throws Exception {
        assertThat(stack.catalogCluster().port())
                .isNotEqualTo(stack.sourceCluster().port());
        try (Connection c = stack.catalogCluster().connect("strata_catalog");
                ResultSet r =
                        c.createStatement().executeQuery("SELECT current_database(), current_setting('wal_level')")) {
            r.next();
            assertThat(r.getString(1)).isEqualTo("strata_catalog");
            assertThat(r.getString(2)).isEqualTo("replica");
        }
        try (Connection c = stack.sourceCluster().connect("postgres");
                ResultSet r = c.createStatement().executeQuery("SHOW server_version_num")) {
            r.next();
            assertThat(r.getInt(1)).isBetween(150000, 159999);
        }
    }

    @Test
    void stackEnvDescribesTheStackAndOnlyItsOwnerCanReadIt() throws Exception {
        Map<String, String> env = StackFiles.readEnv(stack.stateDir());
        assertThat(env)
                .containsEntry("STRATA_KAFKA_BOOTSTRAP", stack.kafkaBootstrap())
                .containsEntry(
                        "STRATA_SOURCE_PG_PORT",
                        String.valueOf(stack.sourceCluster().port()))
                .containsEntry(
                        "STRATA_SOURCE_PG_PASSWORD", stack.sourceCluster().password())
                .containsEntry("STRATA_ADMIN_TOKEN", stack.adminToken());
        assertThat(Files.getPosixFilePermissions(stack.stateDir().resolve(StackFiles.STACK_ENV)))
                .extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        assertThat(Files.readString(stack.stateDir().resolve(StackFiles.ADMIN_TOKEN))
                        .strip())
                .isEqualTo(stack.adminToken());
    }
}
