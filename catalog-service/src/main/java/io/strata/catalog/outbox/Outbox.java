package io.strata.catalog.outbox;

import io.strata.common.messaging.Json;
import io.strata.common.messaging.Message;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Clock;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The transactional outbox: a record added here is stored in the caller's transaction and sent by the
 * {@link OutboxRelay} once that transaction committed, so the state change and the record become durable
 * together (or neither does). Called outside a transaction, the record is stored on its own.
 */
@Service
public class Outbox {
    private final OutboxStore store;
    private final OutboxRelay relay;
    private final MessagePublisher publisher;
    private final Clock clock;

    Outbox(OutboxStore store, OutboxRelay relay, MessagePublisher publisher, Clock clock) {
        this.store = store;
        this.relay = relay;
        this.publisher = publisher;
        this.clock = clock;
    }

    /** Adds {@code message} for {@code topic} with this service's CloudEvents headers and a fresh {@code ce_id}. */
    public void add(String topic, Message message) {
        add(new OutboxRecord(
                topic,
                message.kafkaKey(),
                Json.write(message),
                publisher.headers(message, UUID.randomUUID().toString())));
    }

    /** Asks the relay for a pass once the current transaction committed (records a feeder will add). */
    public void relayAfterCommit() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    relay.wake();
                }
            });
        } else {
            relay.wake();
        }
    }

    /** Adds a record built elsewhere (a job's command, with the headers of the service that built it). */
    public void add(OutboxRecord record) {
        store.insert(record, clock.instant());
        relayAfterCommit();
    }
}
