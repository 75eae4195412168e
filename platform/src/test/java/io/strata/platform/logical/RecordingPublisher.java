package io.strata.platform.logical;

import io.strata.common.messaging.Message;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps what would have gone to Kafka, so a test can read the job's events. */
final class RecordingPublisher extends MessagePublisher {
    final List<Message> sent = new CopyOnWriteArrayList<>();

    RecordingPublisher() {
        super(null, "test", Clock.systemUTC());
    }

    @Override
    public void publish(String topic, Message message, String ceId, Map<String, String> extraHeaders) {
        sent.add(message);
    }
}
