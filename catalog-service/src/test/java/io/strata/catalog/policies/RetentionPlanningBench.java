package io.strata.catalog.policies;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import io.strata.platform.catalog.PolicyApi.RetentionPreview;
import io.strata.platform.catalog.PolicyApi.RetentionRules;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Issue #10's retention-planning measurement, not a test (its name keeps it out of the suite): a source with
 * 10,000 physical backups (hourly, a FULL every 24, INCREMENTALs in between) and 1,000,000 archived WAL
 * segments in the real catalog database, and the time a retention preview takes over them. Run with
 * {@code bench/retention-planning.sh}; it prints the figures.
 */
class RetentionPlanningBench extends CatalogIntegrationTest {
    private static final int BACKUPS = 10_000;
    private static final int SEGMENTS = 1_000_000;
    private static final Instant T0 = Instant.parse("2025-06-01T00:00:00Z");

    @Autowired
    PolicyStore policies;

    @Autowired
    RetentionPreviews previews;

    @Test
    void previewOverTenThousandBackupsAndAMillionSegments() {
        String source = "bench-retention";
        jdbc.sql("DELETE FROM wal_segment WHERE source = ?").param(source).update();
        jdbc.sql("DELETE FROM backup WHERE source = ?").param(source).update();
        jdbc.sql("DELETE FROM source WHERE name = ?").param(source).update();
        jdbc.sql("""
                        INSERT INTO source (name, host, port, database_name, username, wal_archiving, created_at)
                        VALUES (?, '127.0.0.1', 5432, 'shop', 'postgres', true, now())""").param(source).update();
        long loadStart = System.nanoTime();
        // segment n starts at LSN n * 16 MiB: 'X/Y' with X = n >> 8 and Y = (n & 255) << 24
        jdbc.sql("""
                        INSERT INTO wal_segment (source, timeline, segment, segment_size, start_lsn, end_lsn, partial,
                                                 object_key, stored_bytes, sha256, archived_at)
                        SELECT ?, 1,
                               '00000001' || lpad(upper(to_hex(n >> 8)), 8, '0') || lpad(upper(to_hex(n & 255)), 8, '0'),
                               16777216,
                               (to_hex(n >> 8) || '/' || to_hex((n & 255) << 24))::pg_lsn,
                               (to_hex((n + 1) >> 8) || '/' || to_hex(((n + 1) & 255) << 24))::pg_lsn,
                               false, 'bench-retention/wal/1/' || n, 4000000, repeat('a', 64),
                               ?::timestamptz + make_interval(secs => n * 36)
                          FROM generate_series(0, ? - 1) AS n""").params(source, T0.toString(), SEGMENTS).update();
        // backup k: hourly, starting at segment 100 k and ending in the next; a FULL every 24
        jdbc.sql("""
                        INSERT INTO backup (backup_id, source, kind, type, status, parent_backup_id, system_identifier,
                                            start_lsn, end_lsn, timeline, started_at, finished_at, stored_bytes,
                                            size_bytes, manifest_key, created_at, updated_at)
                        SELECT 'b' || lpad(k::text, 6, '0'), ?, 'PHYSICAL',
                               CASE WHEN k % 24 = 0 THEN 'FULL' ELSE 'INCREMENTAL' END, 'SUCCEEDED',
                               CASE WHEN k % 24 = 0 THEN NULL ELSE 'b' || lpad((k - 1)::text, 6, '0') END, '7000000000000000001',
                               (to_hex((100 * k) >> 8) || '/' || to_hex(((100 * k) & 255) << 24))::pg_lsn,
                               (to_hex((100 * k + 1) >> 8) || '/' || to_hex(((100 * k + 1) & 255) << 24))::pg_lsn,
                               1,
                               ?::timestamptz + make_interval(hours => k),
                               ?::timestamptz + make_interval(hours => k, mins => 5),
                               CASE WHEN k % 24 = 0 THEN 1000000000 ELSE 10000000 END, 1000000000,
                               'bench-retention/backups/b' || k || '/manifest.json', now(), now()
                          FROM generate_series(0, ? - 1) AS k""").params(source, T0.toString(), T0.toString(), BACKUPS).update();
        jdbc.sql("ANALYZE wal_segment").update();
        jdbc.sql("ANALYZE backup").update();
        System.out.printf("loaded %d backups and %d segments in %.1f s%n", BACKUPS, SEGMENTS, seconds(loadStart));
        BackupPolicy policy =
                new BackupPolicy(List.of(), "Europe/Madrid", new RetentionRules(3, 7, 4, 6, 2, null, 7), null, null);
        Instant now = T0.plus(Duration.ofHours(BACKUPS));
        for (int round = 1; round <= 3; round++) {
            long start = System.nanoTime();
            RetentionPreview preview = previews.preview(source, policy, now);
            System.out.printf(
                    "round %d: preview in %.2f s: keep %d, delete %d backups; WAL delete %d, keep %d segments%n",
                    round,
                    seconds(start),
                    preview.keep().size(),
                    preview.delete().size(),
                    preview.wal().deleteSegments(),
                    preview.wal().keepSegments());
        }
        // the preview counts in SQL; the RETENTION job plans segment by segment: both must agree
        long start = System.nanoTime();
        var plan = previews.plan(source, policy, now);
        var wal = previews.walDeletion(source, plan, false);
        System.out.printf(
                "round job-plan: segment-by-segment plan in %.2f s: WAL delete %d, keep %d segments%n",
                seconds(start), wal.delete().size(), wal.keep().size());
        RetentionPreview last = previews.preview(source, policy, now);
        org.assertj.core.api.Assertions.assertThat(last.wal().deleteSegments())
                .isEqualTo(wal.delete().size());
        org.assertj.core.api.Assertions.assertThat(last.wal().keepSegments())
                .isEqualTo(wal.keep().size());
        org.assertj.core.api.Assertions.assertThat(last.wal().deleteBytes()).isEqualTo(wal.deleteBytes());
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
