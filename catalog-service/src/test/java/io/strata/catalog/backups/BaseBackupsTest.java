package io.strata.catalog.backups;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.backups.BaseBackups.BaseBackup;
import io.strata.common.model.BackupType;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which chains are whole: every link a usable backup of the same cluster and timeline, back to a FULL one. */
class BaseBackupsTest {
    private static final BaseBackup FULL = backup("f", BackupType.FULL, null, "7", 1);
    private static final BaseBackup DIFF = backup("d", BackupType.DIFFERENTIAL, "f", "7", 1);
    private static final BaseBackup INCR = backup("i", BackupType.INCREMENTAL, "d", "7", 1);

    @Test
    void aWholeChainIsListedFromItsFullBackup() {
        Map<String, BaseBackup> usable = Map.of("f", FULL, "d", DIFF, "i", INCR);
        assertThat(BaseBackups.chainOf(INCR, usable)).contains(List.of("f", "d", "i"));
        assertThat(BaseBackups.chainOf(FULL, usable)).contains(List.of("f"));
    }

    @Test
    void aChainWithAMissingOrForeignLinkIsNotUsable() {
        assertThat(BaseBackups.chainOf(INCR, Map.of("f", FULL, "i", INCR))).isEmpty();
        BaseBackup otherCluster = backup("d", BackupType.DIFFERENTIAL, "f", "8", 1);
        assertThat(BaseBackups.chainOf(
                        backup("i", BackupType.INCREMENTAL, "d", "8", 1), Map.of("f", FULL, "d", otherCluster)))
                .isEmpty();
        BaseBackup otherTimeline = backup("i", BackupType.INCREMENTAL, "d", "7", 2);
        assertThat(BaseBackups.chainOf(otherTimeline, Map.of("f", FULL, "d", DIFF)))
                .isEmpty();
    }

    @Test
    void aLoopIsNotAChain() {
        BaseBackup a = backup("a", BackupType.INCREMENTAL, "b", "7", 1);
        BaseBackup b = backup("b", BackupType.INCREMENTAL, "a", "7", 1);
        assertThat(BaseBackups.chainOf(a, Map.of("a", a, "b", b))).isEqualTo(Optional.empty());
    }

    private static BaseBackup backup(String id, BackupType type, String parent, String system, int timeline) {
        return new BaseBackup(
                id,
                type,
                parent,
                List.of(),
                system,
                Lsn.parse("0/1000000"),
                Lsn.parse("0/2000000"),
                timeline,
                Instant.parse("2026-12-01T00:00:00Z"),
                1,
                1,
                "k");
    }
}
