package io.strata.catalog.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.CatalogIntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The retention preview's WAL summary, counted by the database, against the plan a WAL cleanup or RETENTION
 * job makes segment by segment: the same numbers for every cutoff, every set of kept backups, a restore
 * point, and two timelines (segment names start with their timeline, so ranges cross from one to the next).
 */
class WalCleanupPlansIT extends CatalogIntegrationTest {
    private static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");

    @Autowired
    WalCleanupPlans plans;

    @Test
    void theSummaryCountsWhatThePlanDeletes() {
        String source = "walsum-" + UUID.randomUUID().toString().substring(0, 8);
        jdbc.sql("""
                        INSERT INTO source (name, host, port, database_name, username, wal_archiving, created_at)
                        VALUES (?, '127.0.0.1', 5432, 'shop', 'postgres', true, now())""").param(source).update();
        // 600 segments on timeline 1, then 400 on timeline 2 (after a promotion at segment 600); one a minute
        jdbc.sql("""
                        INSERT INTO wal_segment (source, timeline, segment, segment_size, start_lsn, end_lsn, partial,
                                                 object_key, stored_bytes, sha256, archived_at)
                        SELECT ?, tl,
                               lpad(tl::text, 8, '0') || lpad(upper(to_hex(n >> 8)), 8, '0')
                                   || lpad(upper(to_hex(n & 255)), 8, '0'),
                               16777216,
                               (to_hex(n >> 8) || '/' || to_hex((n & 255) << 24))::pg_lsn,
                               (to_hex((n + 1) >> 8) || '/' || to_hex(((n + 1) & 255) << 24))::pg_lsn,
                               false, 'walsum/' || n, 1000 + n, repeat('a', 64),
                               ?::timestamptz + make_interval(mins => n)
                          FROM generate_series(0, 999) AS n, LATERAL (SELECT CASE WHEN n < 600 THEN 1 ELSE 2 END) t(tl)""").params(source, T0.toString()).update();
        // a physical FULL every 100 segments, each spanning two of them, on the timeline of its time
        jdbc.sql("""
                        INSERT INTO backup (backup_id, source, kind, type, status, system_identifier, start_lsn,
                                            end_lsn, timeline, started_at, finished_at, stored_bytes, size_bytes,
                                            manifest_key, created_at, updated_at)
                        SELECT '2026060' || k || 'T000000Z-' || lpad(k::text, 6, '0'), ?, 'PHYSICAL', 'FULL', 'SUCCEEDED',
                               '7000000000000000001',
                               (to_hex((100 * k + 5) >> 8) || '/' || to_hex(((100 * k + 5) & 255) << 24))::pg_lsn,
                               (to_hex((100 * k + 6) >> 8) || '/' || to_hex(((100 * k + 6) & 255) << 24))::pg_lsn,
                               CASE WHEN k < 6 THEN 1 ELSE 2 END,
                               ?::timestamptz + make_interval(mins => 100 * k + 5),
                               ?::timestamptz + make_interval(mins => 100 * k + 7),
                               1000, 1000, 'walsum/b' || k, now(), now()
                          FROM generate_series(0, 9) AS k""").params(source, T0.toString(), T0.toString()).update();
        // a restore point after the fourth backup, on timeline 1
        jdbc.sql("""
                        INSERT INTO restore_point (source, name, lsn, timeline, created_at)
                        VALUES (?, 'before-upgrade', (to_hex(350 >> 8) || '/' || to_hex((350 & 255) << 24))::pg_lsn, 1,
                                now())""").param(source).update();
        List<String> ids = jdbc.sql("SELECT backup_id FROM backup WHERE source = ? ORDER BY backup_id")
                .param(source)
                .query(String.class)
                .list();
        assertThat(ids).hasSize(10);

        List<Predicate<String>> keptSets = List.of(
                id -> true,
                id -> false,
                id -> id.equals(ids.get(9)),
                id -> ids.indexOf(id) % 3 == 0,
                id -> ids.indexOf(id) >= 5);
        int compared = 0;
        for (Predicate<String> kept : keptSets) {
            for (int minutes : new int[] {0, 50, 250, 599, 600, 777, 1000, 2000}) {
                Instant cutoff = T0.plus(Duration.ofMinutes(minutes));
                WalCleanupPlans.WalDeletion plan = plans.plan(source, kept, cutoff, false);
                WalCleanupPlans.WalSummary summary = plans.summary(source, kept, cutoff);
                String what = "cutoff +" + minutes + " min, set " + keptSets.indexOf(kept);
                assertThat(summary.deleteSegments())
                        .as(what)
                        .isEqualTo(plan.delete().size());
                assertThat(summary.deleteBytes()).as(what).isEqualTo(plan.deleteBytes());
                assertThat(summary.keepSegments())
                        .as(what)
                        .isEqualTo(plan.keep().size());
                compared++;
            }
        }
        assertThat(compared).isEqualTo(40);
        // the comparison is not trivial: some plans delete, on both timelines, and keep
        WalCleanupPlans.WalDeletion some =
                plans.plan(source, id -> ids.indexOf(id) % 3 == 0, T0.plus(Duration.ofMinutes(777)), false);
        assertThat(some.delete()).anyMatch(s -> s.segment().startsWith("00000001"));
        assertThat(some.delete()).anyMatch(s -> s.segment().startsWith("00000002"));
        assertThat(some.keep()).isNotEmpty();
        assertThat(plans.summary(source, id -> true, null)).isEqualTo(new WalCleanupPlans.WalSummary(0, 0, 1000));
    }
}
