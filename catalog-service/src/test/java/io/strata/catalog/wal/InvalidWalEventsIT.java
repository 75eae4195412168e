package io.strata.catalog.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.catalog.CatalogIntegrationTest;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentArchived;
import io.strata.common.wal.WalTimelineArchived;
import io.strata.common.wal.WalTimelineArchived.Switch;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * WAL events the catalog cannot store, against the real catalog database: recorded, counted, not dead-lettered;
 * and the ones it stores.
 */
class InvalidWalEventsIT extends CatalogIntegrationTest {
    private static final Instant AT = Instant.parse("2026-11-22T15:30:00Z");
    private static final String SEGMENT = "000000010000000000000003";

    @Autowired
    WalEvents listener;

    @Autowired
    MeterRegistry meters;

    @Test
    void aSegmentWithANulInItsKeyIsRecordedAsInvalidAndCounted() {
        String source = "nul-wal";
        ConsumerRecord<String, String> archived = walRecord(segment(source, "nul-wal/wal/1/" + SEGMENT + "\u0000.zst"));
        double before = invalidWalEvents();

        assertThatCode(() -> listener.onWalEvent(archived)).doesNotThrowAnyException();

        Map<String, Object> logged = jdbc.sql("SELECT * FROM invalid_event WHERE topic = ? AND kafka_offset = ?")
                .params(archived.topic(), archived.offset())
                .query()
                .singleRow();
        assertThat(logged.get("job_id")).isNull();
        assertThat((String) logged.get("reason"))
                .contains("WalSegmentArchived of source 'nul-wal', segment " + SEGMENT + " not applied")
                .contains("field key contains a NUL character")
                .contains("recovery plans treat it as missing", "no job to fail");
        assertThat((String) logged.get("payload_excerpt")).contains(".zst").doesNotContain("\u0000");
        assertThat(segmentsOf(source)).isZero();
        assertThat(invalidWalEvents()).isEqualTo(before + 1);
    }

    @Test
    void aValidSegmentIsStillRecorded() {
        String source = "clean-wal";

        listener.onWalEvent(walRecord(segment(source, "clean-wal/wal/1/" + SEGMENT + ".zst")));

        assertThat(segmentsOf(source)).isOne();
    }

    private long segmentsOf(String source) {
        return jdbc.sql("SELECT count(*) FROM wal_segment WHERE source = ?")
                .param(source)
                .query(Long.class)
                .single();
    }

    private double invalidWalEvents() {
        Counter counter = meters.find("strata.catalog.invalid.events")
                .tag("topic", Topics.WAL_EVENTS)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static WalSegmentArchived segment(String source, String key) {
        return new WalSegmentArchived(
                1,
                source,
                1,
                SEGMENT,
                16 * 1024 * 1024,
                Lsn.parse("0/3000000"),
                Lsn.parse("0/4000000"),
                false,
                key,
                4_096,
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                AT,
                AT);
    }

    private static ConsumerRecord<String, String> walRecord(WalSegmentArchived event) {
        return record(Topics.WAL_EVENTS, event.kafkaKey(), event.ceType(), null, Json.write(event));
    }

    @Test
    void aTimelineHistoryIsRecordedAndTheNewestReportWins() {
        String source = "promoted-wal";
        WalTimelineArchived first = timeline(source, 2, List.of(new Switch(1, Lsn.parse("0/7000100"))), "a");
        WalTimelineArchived again = timeline(source, 2, List.of(new Switch(1, Lsn.parse("0/7000100"))), "b");

        listener.onWalEvent(walRecord(first));
        listener.onWalEvent(walRecord(again));

        Map<String, Object> row = jdbc.sql("SELECT * FROM wal_timeline WHERE source = ?")
                .param(source)
                .query()
                .singleRow();
        assertThat(row.get("timeline")).isEqualTo(2);
        assertThat(row.get("history")).isEqualTo("1 0/7000100");
        assertThat(row.get("sha256")).isEqualTo("b".repeat(64));
        assertThat(row.get("object_key")).isEqualTo("promoted-wal/wal/00000002/00000002.history.zst");
    }

    @Test
    void aTimelineHistoryThatCouldNotBePostgresIsRecordedAsInvalid() {
        String source = "odd-history";
        WalTimelineArchived later = timeline(source, 2, List.of(new Switch(3, Lsn.parse("0/7000100"))), "c");
        WalTimelineArchived elsewhere = new WalTimelineArchived(
                1,
                source,
                3,
                List.of(new Switch(1, Lsn.parse("0/7000100"))),
                "another-source/wal/00000003/00000003.history.zst",
                90,
                "d".repeat(64),
                AT);
        double before = invalidWalEvents();

        listener.onWalEvent(walRecord(later));
        listener.onWalEvent(walRecord(elsewhere));

        assertThat(jdbc.sql("SELECT count(*) FROM wal_timeline WHERE source = ?")
                        .param(source)
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(invalidWalEvents()).isEqualTo(before + 2);
        assertThat(jdbc.sql("SELECT reason FROM invalid_event WHERE reason LIKE ? ORDER BY kafka_offset")
                        .param("WalTimelineArchived of source 'odd-history'%")
                        .query(String.class)
                        .list())
                .anySatisfy(reason -> assertThat(reason).contains("names timeline 3", "do not cross"))
                .anySatisfy(reason -> assertThat(reason).contains("without its history file's key"));
    }

    private static WalTimelineArchived timeline(String source, int timeline, List<Switch> history, String hash) {
        return new WalTimelineArchived(
                1,
                source,
                timeline,
                history,
                source + "/wal/" + String.format("%08X/%08X", timeline, timeline) + ".history.zst",
                90,
                hash.repeat(64),
                AT);
    }

    private static ConsumerRecord<String, String> walRecord(WalTimelineArchived event) {
        return record(Topics.WAL_EVENTS, event.kafkaKey(), event.ceType(), null, Json.write(event));
    }
}
