package io.strata.common.wal;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.strata.common.messaging.Message;

/** What the wal-archiver reports on {@code strata.wal.events}, keyed by source name so order holds per source. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = WalSegmentArchived.class, name = "WalSegmentArchived"),
    @JsonSubTypes.Type(value = WalArchivingStatus.class, name = "WalArchivingStatus"),
    @JsonSubTypes.Type(value = WalTimelineArchived.class, name = "WalTimelineArchived")
})
public sealed interface WalEvent extends Message permits WalSegmentArchived, WalArchivingStatus, WalTimelineArchived {
    int SCHEMA_VERSION = 1;

    String source();

    @Override
    default String kafkaKey() {
        return source();
    }
}
