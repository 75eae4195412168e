package io.strata.restore.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.event.JobResult.DrillCheck;
import io.strata.common.storage.BackupManifest.TableRows;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A drill's restored counts against the counts a logical backup recorded in the snapshot it dumped. */
class DrillChecksTest {
    private static final List<TableRows> RECORDED =
            List.of(new TableRows("public", "customers", 200), new TableRows("public", "invoices", 120));

    @Test
    void theSameTablesWithTheSameRowsPass() {
        DrillCheck check = DrillChecks.compare(
                "shop", RECORDED, counts(Map.of("shop.public.customers", 200L, "shop.public.invoices", 120L)));

        assertThat(check.passed()).isTrue();
        assertThat(check.name()).isEqualTo(DrillChecks.RECORDED_ROWS);
        assertThat(check.detail()).contains("all 2 tables", "320 rows");
    }

    @Test
    void aMissingAnExtraAndADifferentTableEachFailNamingTheTable() {
        DrillCheck fewer = DrillChecks.compare(
                "shop", RECORDED, counts(Map.of("shop.public.customers", 200L, "shop.public.invoices", 119L)));
        assertThat(fewer.passed()).isFalse();
        assertThat(fewer.detail()).contains("public.invoices has 119 rows, the backup recorded 120");

        DrillCheck missing = DrillChecks.compare("shop", RECORDED, counts(Map.of("shop.public.customers", 200L)));
        assertThat(missing.passed()).isFalse();
        assertThat(missing.detail()).contains("public.invoices (120 rows recorded) is missing");

        DrillCheck extra = DrillChecks.compare(
                "shop",
                RECORDED,
                counts(Map.of("shop.public.customers", 200L, "shop.public.invoices", 120L, "shop.audit.log", 0L)));
        assertThat(extra.passed()).isFalse();
        assertThat(extra.detail()).contains("audit.log was restored but the backup recorded no such table");
    }

    @Test
    void anEmptyDatabaseRecordedEmptyPasses() {
        assertThat(DrillChecks.compare("shop", List.of(), counts(Map.of())).passed())
                .isTrue();
    }

    private static DrillChecks.Counts counts(Map<String, Long> byTable) {
        long rows = byTable.values().stream().mapToLong(Long::longValue).sum();
        return new DrillChecks.Counts(
                List.of(), List.of(), new LinkedHashMap<>(byTable), byTable.size(), rows, List.of());
    }
}
