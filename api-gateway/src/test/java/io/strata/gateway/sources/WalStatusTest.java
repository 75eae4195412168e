package io.strata.gateway.sources;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.model.Lsn;
import io.strata.gateway.sources.WalArchivingController.WalStatus;
import io.strata.platform.catalog.CatalogApi.WalArchiveSummary;
import io.strata.platform.catalog.CatalogApi.WalGap;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WalStatusTest {
    private static final Instant NOW = Instant.parse("2026-11-22T15:30:00Z");
    private static final Duration MAX_LAG = Duration.ofSeconds(60);

    private static WalArchiveSummary archive(boolean enabled, String archivedLsn, Instant lastArchivedAt) {
        return archive(enabled, archivedLsn, lastArchivedAt, null);
    }

    private static WalArchiveSummary archive(boolean enabled, String archivedLsn, Instant lastArchivedAt, WalGap gap) {
        return new WalArchiveSummary(
                "shop",
                enabled,
                1,
                3,
                1000,
                archivedLsn == null ? null : Lsn.parse(archivedLsn),
                null,
                null,
                lastArchivedAt,
                null,
                gap);
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

    @Test
    void aGapInACaughtUpArchiveIsUnhealthyAndSaysHowFarARestoreReaches() {
        WalGap gap = new WalGap(
                List.of("000000010000000000000005"),
                NOW.minusSeconds(3600),
                Lsn.parse("0/4FFFFFF"),
                "the latest WAL cannot be reached from base backup b1: the archive has a gap at segment"
                        + " 000000010000000000000005; take a new physical backup");
        WalStatus status = WalStatus.of(
                "shop", archive(true, "0/3A00000", NOW.minusSeconds(5), gap), Lsn.parse("0/3A00000"), NOW, MAX_LAG);

        assertThat(status.healthy()).isFalse();
        assertThat(status.lagBytes()).isZero();
        assertThat(status.gap()).isEqualTo(gap);
        assertThat(status.reason())
                .startsWith("WAL is missing from the archive")
                .contains("000000010000000000000005", "take a new physical backup");
    }
}
