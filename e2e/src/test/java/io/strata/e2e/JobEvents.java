package io.strata.e2e;

import io.strata.common.event.JobEvent;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Watches {@code strata.job.events} like any outside consumer would, from the start of the topic, and
 * publishes records the way another service would.
 */
final class JobEvents implements AutoCloseable {
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<String, String> consumer;
    private final Thread poller;
    private volatile boolean running = true;

    record Received(String ceId, String ceType, JobEvent event) {}

    JobEvents(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-watcher-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(Topics.JOB_EVENTS));
        poller = Thread.ofPlatform().daemon().name("e2e-job-events").start(this::poll);
    }

    private void poll() {
        while (running) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                received.add(new Received(
                        header(record, CloudEventHeaders.ID),
                        header(record, CloudEventHeaders.TYPE),
                        Json.read(record.value(), JobEvent.class)));
            }
        }
        consumer.close();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    List<JobEvent> of(String jobId) {
        return received.stream()
                .map(Received::event)
                .filter(e -> e.job().jobId().toString().equals(jobId))
                .toList();
    }

    List<Received> all() {
        return List.copyOf(received);
    }

    /** Sends {@code json} to {@code topic} with the CloudEvents headers, as another service would. */
    /** Publishes one record and waits for the broker's ack; where it was written. */
    static RecordMetadata publish(
            String bootstrap, String topic, String key, String json, Map<String, String> headers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, json);
            headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            return producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not publish to " + topic + ": " + e.getMessage(), e);
        }
    }

    static Map<String, String> ceHeaders(String ceId, String type) {
        return Map.of(
                CloudEventHeaders.ID,
                ceId,
                CloudEventHeaders.TYPE,
                type,
                CloudEventHeaders.SOURCE,
                "e2e-test",
                CloudEventHeaders.SPEC_VERSION,
                "1.0",
                CloudEventHeaders.TIME,
                java.time.Instant.now().toString());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        poller.join(5_000);
    }
}
