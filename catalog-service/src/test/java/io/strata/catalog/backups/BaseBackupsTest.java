package io.strata.catalog.backups;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.backups.BaseBackups.BaseBackup;
import io.strata.catalog.backups.BaseBackups.Row;
import io.strata.catalog.backups.BaseBackups.Verdict;
import io.strata.common.model.BackupType;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which chains are whole: every link a succeeded, undamaged backup of the same cluster and timeline, back to
 * a FULL one; otherwise the reason names the link that breaks it.
 */
class BaseBackupsTest {
    private static final Row FULL = row("f", BackupType.FULL, null, "7", 1);
    private static final Row DIFF = row("d", BackupType.DIFFERENTIAL, "f", "7", 1);
    private static final Row INCR = row("i", BackupType.INCREMENTAL, "d", "7", 1);

    @Test
    void aWholeChainIsListedFromItsFullBackup() {
        Map<String, Row> rows = Map.of("f", FULL, "d", DIFF, "i", INCR);
        assertThat(BaseBackups.judge(INCR, rows)).isEqualTo(new Verdict.Chain(List.of("f", "d", "i")));
        assertThat(BaseBackups.judge(FULL, rows)).isEqualTo(new Verdict.Chain(List.of("f")));
    }

    @Test
    void aChainWithAMissingOrForeignLinkIsNotUsable() {
        assertThat(reason(INCR, Map.of("f", FULL, "i", INCR)))
                .isEqualTo("its chain needs d, which is not in the catalog");
        Row otherCluster = row("d", BackupType.DIFFERENTIAL, "f", "8", 1);
        assertThat(reason(row("i", BackupType.INCREMENTAL, "d", "8", 1), Map.of("f", FULL, "d", otherCluster)))
                .isEqualTo("its chain needs f, which is of another cluster or timeline");
        Row otherTimeline = row("i", BackupType.INCREMENTAL, "d", "7", 2);
        assertThat(reason(otherTimeline, Map.of("f", FULL, "d", DIFF)))
                .isEqualTo("its chain needs d, which is of another cluster or timeline");
    }

    @Test
    void aDeletedOrDamagedLinkBreaksEveryChainThroughIt() {
        Row deletedDiff = new Row(DIFF.backup(), "DELETED", null);
        assertThat(reason(INCR, Map.of("f", FULL, "d", deletedDiff, "i", INCR)))
                .isEqualTo("its chain needs d, which was deleted");
        Row damagedFull = new Row(FULL.backup(), "SUCCEEDED", "f/blocks.pack.zst is corrupt");
        assertThat(reason(INCR, Map.of("f", damagedFull, "d", DIFF, "i", INCR)))
                .isEqualTo("its chain needs f, which was found damaged by a VERIFY: f/blocks.pack.zst is corrupt");
        assertThat(reason(damagedFull, Map.of("f", damagedFull)))
                .isEqualTo("it was found damaged by a VERIFY: f/blocks.pack.zst is corrupt");
        // a damaged newer link leaves the older ones whole
        Row damagedIncr = new Row(INCR.backup(), "SUCCEEDED", "i/blocks.pack.zst is missing");
        assertThat(BaseBackups.judge(DIFF, Map.of("f", FULL, "d", DIFF, "i", damagedIncr)))
                .isEqualTo(new Verdict.Chain(List.of("f", "d")));
    }

    @Test
    void aLoopIsNotAChain() {
        Row a = row("a", BackupType.INCREMENTAL, "b", "7", 1);
        Row b = row("b", BackupType.INCREMENTAL, "a", "7", 1);
        assertThat(reason(a, Map.of("a", a, "b", b))).startsWith("its chain loops back to");
    }

    private static String reason(Row row, Map<String, Row> rows) {
        return ((Verdict.Broken) BaseBackups.judge(row, rows)).reason();
    }

    private static Row row(String id, BackupType type, String parent, String system, int timeline) {
        return new Row(
                new BaseBackup(
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
                        "k"),
                "SUCCEEDED",
                null);
    }
}
