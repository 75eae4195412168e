package io.strata.wal.streaming;

import io.strata.common.messaging.Message;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps what would have gone to Kafka, with its topic, so a test can read the WAL events. */
final class RecordingPublisher extends MessagePublisher {
    record Sent(String topic, Message message) {}

    final List<Sent> sent = new CopyOnWriteArrayList<>();

    RecordingPublisher() {
        super(null, "test", Clock.systemUTC());
    }

    @Override
    public void publish(String topic, Message message, String ceId, Map<String, String> extraHeaders) {
        sent.add(new Sent(topic, message));
    }
}
