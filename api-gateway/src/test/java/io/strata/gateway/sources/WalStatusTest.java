package io.strata.gateway.sources;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.model.Lsn;
import io.strata.gateway.sources.WalArchivingController.WalStatus;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WalStatusTest {
    private static final Instant NOW = Instant.parse("2026-11-22T15:30:00Z");
    private static final Duration MAX_LAG = Duration.ofSeconds(60);
    private final JsonMapper json = JsonMapper.builder().build();

    private JsonNode archive(boolean enabled, String archivedLsn, Instant lastArchivedAt) {
        return json.readTree("{\"enabled\":" + enabled + ",\"segments\":3,\"totalBytes\":1000,\"timeline\":1"
                + (archivedLsn == null ? "" : ",\"archivedLsn\":\"" + archivedLsn + "\"")
                + (lastArchivedAt == null ? "" : ",\"lastArchivedAt\":\"" + lastArchivedAt + "\"") + "}");
    }

    @Test
    void caughtUpArchiveIsHealthyWithNoLag() {
        WalStatus status = WalStatus.of(
                "shop", archive(true, "0/3A00000", NOW.minusSeconds(300)), Lsn.parse("0/3A00000"), NOW, MAX_LAG);

        assertThat(status.healthy()).isTrue();
        assertThat(status.lagBytes()).isZero();
        assertThat(status.lagSeconds()).isZero();
        assertThat(status.reason()).isNull();
    }

    @Test
    void archiveBehindForLongerThanTheLimitIsUnhealthyAndSaysBy() {
        WalStatus status = WalStatus.of(
                "shop", archive(true, "0/3000000", NOW.minusSeconds(90)), Lsn.parse("0/3100000"), NOW, MAX_LAG);

        assertThat(status.healthy()).isFalse();
        assertThat(status.lagBytes()).isEqualTo(0x100000);
        assertThat(status.lagSeconds()).isEqualTo(90);
        assertThat(status.reason()).contains("90 s behind");
    }

    @Test
    void disabledOrEmptyArchiveIsNotHealthyAndSaysWhatToDo() {
        WalStatus disabled = WalStatus.of("shop", archive(false, null, null), Lsn.parse("0/3100000"), NOW, MAX_LAG);
        WalStatus empty = WalStatus.of("shop", archive(true, null, null), Lsn.parse("0/3100000"), NOW, MAX_LAG);

        assertThat(disabled.healthy()).isFalse();
        assertThat(disabled.reason()).contains("PUT /api/v1/sources/shop/wal-archiving");
        assertThat(empty.healthy()).isFalse();
        assertThat(empty.reason()).isEqualTo("nothing archived yet");
        assertThat(empty.lagSeconds()).isNull();
    }
}
