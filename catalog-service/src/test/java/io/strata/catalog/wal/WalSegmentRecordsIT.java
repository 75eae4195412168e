package io.strata.catalog.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentArchived;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Which record of a segment the catalog keeps as its events arrive, against the real catalog database: the one
 * that describes the object the store holds now, so that a restore's check of what it fetches passes.
 */
class WalSegmentRecordsIT extends CatalogIntegrationTest {
    private static final Instant AT = Instant.parse("2026-12-05T13:00:00Z");
    private static final String SEGMENT = "000000010000000000000005";

    @Autowired
    WalEvents listener;

    @Test
    void aLongerPartialReplacesAShorterOneAndNeverTheOtherWayRound() {
        String source = "growing-wal";
        receive(partial(source, "0/5001000", "a"));
        receive(partial(source, "0/5008000", "b"));
        receive(partial(source, "0/5001000", "a")); // the older one again

        assertThat(row(source)).containsEntry("end_lsn", "0/5008000").containsEntry("sha256", "b".repeat(64));
    }

    @Test
    void aPartialStoredAgainWithTheSameLengthButOtherBytesReplacesItsRecord() {
        String source = "reshipped-partial";
        receive(partial(source, "0/5001000", "a"));
        receive(partial(source, "0/5001000", "c")); // a new session compressed (or encrypted) it differently

        assertThat(row(source)).containsEntry("end_lsn", "0/5001000").containsEntry("sha256", "c".repeat(64));
    }

    @Test
    void aCompleteSegmentReplacesItsPartialAndNoPartialReplacesIt() {
        String source = "completed-wal";
        receive(partial(source, "0/5001000", "a"));
        receive(complete(source, "d", 4_096));
        receive(partial(source, "0/5008000", "e"));

        assertThat(row(source))
                .containsEntry("partial", false)
                .containsEntry("end_lsn", "0/6000000")
                .containsEntry("sha256", "d".repeat(64))
                .containsEntry("object_key", source + "/wal/00000001/" + SEGMENT + ".zst");
    }

    @Test
    void aCompleteSegmentStoredAgainWithOtherBytesReplacesItsRecord() {
        String source = "reshipped-wal";
        receive(complete(source, "d", 4_096));
        // stored again by a new session, which does not know yet how far the archive is complete
        receive(event(
                source, false, Lsn.parse("0/6000000"), source + "/wal/00000001/" + SEGMENT + ".zst", "f", 4_100, null));

        assertThat(row(source))
                .containsEntry("sha256", "f".repeat(64))
                .containsEntry("stored_bytes", 4_100L)
                .as("the time covered does not go back")
                .containsEntry("covered_until", java.sql.Timestamp.from(AT));
    }

    private void receive(WalSegmentArchived event) {
        listener.onWalEvent(record(Topics.WAL_EVENTS, event.kafkaKey(), event.ceType(), null, Json.write(event)));
    }

    private Map<String, Object> row(String source) {
        return jdbc.sql(
                        "SELECT partial, end_lsn::text AS end_lsn, sha256, object_key, stored_bytes, covered_until FROM wal_segment"
                                + " WHERE source = ?")
                .param(source)
                .query()
                .singleRow();
    }

    private static WalSegmentArchived partial(String source, String end, String hash) {
        return event(source, true, Lsn.parse(end), source + "/wal/00000001/" + SEGMENT + ".partial.zst", hash, 900);
    }

    private static WalSegmentArchived complete(String source, String hash, long storedBytes) {
        return event(
                source, false, Lsn.parse("0/6000000"), source + "/wal/00000001/" + SEGMENT + ".zst", hash, storedBytes);
    }

    private static WalSegmentArchived event(
            String source, boolean partial, Lsn end, String key, String hash, long storedBytes) {
        return event(source, partial, end, key, hash, storedBytes, AT);
    }

    private static WalSegmentArchived event(
            String source, boolean partial, Lsn end, String key, String hash, long storedBytes, Instant coveredUntil) {
        return new WalSegmentArchived(
                1,
                source,
                1,
                SEGMENT,
                16 * 1024 * 1024,
                Lsn.parse("0/5000000"),
                end,
                partial,
                key,
                storedBytes,
                hash.repeat(64),
                AT,
                coveredUntil);
    }
}
