package io.strata.platform.messaging;

import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Message;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Puts Strata messages on Kafka as JSON with the CloudEvents binary-mode headers. {@link #publish} waits
 * for the broker's acknowledgement ({@code acks=all}), so a caller that returns after it knows the
 * message is durable.
 */
public class MessagePublisher {
    private static final long SEND_TIMEOUT_SECONDS = 30;
    private final KafkaTemplate<String, String> kafka;
    private final String serviceName;
    private final Clock clock;

    public MessagePublisher(KafkaTemplate<String, String> kafka, String serviceName, Clock clock) {
        this.kafka = kafka;
        this.serviceName = serviceName;
        this.clock = clock;
    }

    /** Publishes with a fresh {@code ce_id}; returns it. */
    public String publish(String topic, Message message) {
        return publish(topic, message, Map.of());
    }

    /** Publishes with a fresh {@code ce_id} and {@code extraHeaders} (e.g. a job's lease token); returns the id. */
    public String publish(String topic, Message message, Map<String, String> extraHeaders) {
        String ceId = UUID.randomUUID().toString();
        publish(topic, message, ceId, extraHeaders);
        return ceId;
    }

    /** Publishes with the given {@code ce_id} (a retry of the same message keeps its id). */
    public void publish(String topic, Message message, String ceId) {
        publish(topic, message, ceId, Map.of());
    }

    /** Publishes with the given {@code ce_id} and {@code extraHeaders}. */
    public void publish(String topic, Message message, String ceId, Map<String, String> extraHeaders) {
        Map<String, String> headers = new LinkedHashMap<>(headers(message, ceId));
        headers.putAll(extraHeaders);
        send(topic, message.kafkaKey(), Json.write(message), headers);
    }

    /** The CloudEvents headers this service puts on {@code message} sent with {@code ceId}, in order. */
    public Map<String, String> headers(Message message, String ceId) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(CloudEventHeaders.ID, ceId);
        headers.put(CloudEventHeaders.SPEC_VERSION, "1.0");
        headers.put(CloudEventHeaders.TYPE, message.ceType());
        headers.put(CloudEventHeaders.SOURCE, serviceName);
        headers.put(CloudEventHeaders.TIME, clock.instant().toString());
        headers.put(CloudEventHeaders.CONTENT_TYPE, "application/json");
        if (message.jobIdHeader() != null) {
            headers.put(CloudEventHeaders.JOB_ID, message.jobIdHeader());
        }
        return headers;
    }

    /**
     * Sends a record as given and waits for the broker's acknowledgement: every publish ends here, and the
     * catalog's outbox relay sends the records it stored (built with {@link #headers}) through it.
     */
    public void send(String topic, String key, String payload, Map<String, String> headers) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, payload);
        headers.forEach((name, value) -> header(record.headers(), name, value));
        try {
            kafka.send(record).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException(topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new PublishException(topic, e);
        }
    }

    private static void header(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Kafka did not acknowledge a message in time; nothing downstream may assume it was sent. */
    public static class PublishException extends RuntimeException {
        PublishException(String topic, Exception cause) {
            super("Kafka did not acknowledge a message on " + topic + ": " + cause.getMessage(), cause);
        }
    }
}
