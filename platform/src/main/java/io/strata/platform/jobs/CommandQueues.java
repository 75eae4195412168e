package io.strata.platform.jobs;

import io.micrometer.core.instrument.MeterRegistry;
import io.strata.platform.messaging.MessagePublisher;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Makes a worker's {@link CommandQueue}s: share consumers of the worker's share group with explicit
 * acknowledgement and one record per poll, and the group set to start at the earliest offset (a new
 * share group starts at the latest, which would skip commands sent before the first worker ever ran).
 */
public final class CommandQueues {
    private final List<String> bootstrapServers;
    private final String clientId;
    private final JobLeases leases;
    private final JobReporters reporters;
    private final MessagePublisher publisher;
    private final CommandQueue.Settings settings;
    private final MeterRegistry meters;

    public CommandQueues(
            List<String> bootstrapServers,
            String clientId,
            JobLeases leases,
            JobReporters reporters,
            MessagePublisher publisher,
            CommandQueue.Settings settings,
            MeterRegistry meters) {
        this.bootstrapServers = List.copyOf(bootstrapServers);
        this.clientId = clientId;
        this.leases = leases;
        this.reporters = reporters;
        this.publisher = publisher;
        this.settings = settings;
        this.meters = meters;
    }

    public int concurrency() {
        return settings.concurrency();
    }

    /** A queue of {@code topic}'s commands, shared by every instance of {@code group}, run by {@code handler}. */
    public CommandQueue create(String topic, String group, CommandHandler handler) {
        return new CommandQueue(
                topic,
                handler,
                () -> new KafkaShareConsumer<>(
                        consumerConfig(group), new StringDeserializer(), new StringDeserializer()),
                () -> startAtEarliest(group),
                leases,
                reporters,
                publisher,
                meters,
                settings);
    }

    private Map<String, Object> consumerConfig(String group) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-" + group);
        config.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        config.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        // a worker whose slots are all busy does not poll (it must not take what another could start)
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) TimeUnit.DAYS.toMillis(1));
        return config;
    }

    /** Sets the share group's {@code share.auto.offset.reset} to {@code earliest}; idempotent. */
    private void startAtEarliest(String group) {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(config)) {
            admin.incrementalAlterConfigs(Map.of(
                            new ConfigResource(ConfigResource.Type.GROUP, group),
                            List.of(new AlterConfigOp(
                                    new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                    .all()
                    .get(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting up share group " + group, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up share group " + group + ": " + e.getMessage(), e);
        }
    }
}
