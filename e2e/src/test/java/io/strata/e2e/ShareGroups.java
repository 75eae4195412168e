package io.strata.e2e;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/** What a worker share group did with a record, read from the broker (Kafka's Admin API). */
final class ShareGroups {
    private ShareGroups() {}

    /**
     * Waits until share group {@code group} has settled the record at {@code written} (and every record
     * before it on that partition): its start offset moved past it, or no record of the partition waits
     * any more (lag 0, which counts the record once it is written), so a worker took it and acknowledged it.
     */
    static void awaitSettled(String bootstrap, String group, RecordMetadata written, Duration timeout) {
        TopicPartition partition = new TopicPartition(written.topic(), written.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
                SharePartitionOffsetInfo info = offsets(admin, group, partition);
                return info != null
                        && (info.startOffset() > written.offset() || info.lag().orElse(-1L) == 0L);
            });
        }
    }

    private static SharePartitionOffsetInfo offsets(Admin admin, String group, TopicPartition partition)
            throws Exception {
        Map<TopicPartition, SharePartitionOffsetInfo> offsets = admin.listShareGroupOffsets(
                        Map.of(group, new ListShareGroupOffsetsSpec().topicPartitions(java.util.List.of(partition))))
                .partitionsToOffsetInfo(group)
                .get(10, TimeUnit.SECONDS);
        return offsets.get(partition);
    }
}
