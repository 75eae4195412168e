package io.strata.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.platform.testing.ThrowawayPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The timeline a physical backup's checks read over SQL is the one the server writes WAL on, also right
 * after a promotion: {@code pg_control_checkpoint()} names the old timeline until the promotion's spread
 * checkpoint ends, and a DIFFERENTIAL or INCREMENTAL chosen on it would be built on the old timeline's
 * parent (a backup then listed as not usable).
 */
class SourceFactsTest {

    @Test
    void rightAfterAPromotionTheTimelineIsTheNewOne(@TempDir Path primaryDir, @TempDir Path standbyDir)
            throws Exception {
        // a spread checkpoint paced over most of an hour: pg_basebackup copies these settings to the standby
        try (ThrowawayPostgres primary =
                        ThrowawayPostgres.start(primaryDir, "checkpoint_timeout = '1h'", "max_wal_size = '4GB'");
                ThrowawayPostgres standby = ThrowawayPostgres.standbyOf(primary, standbyDir)) {
            // many pages the standby replays and keeps dirty: its promotion's checkpoint has to write them all
            primary.execute("create table t as select g, repeat('x', 500) as filler from generate_series(1, 150000) g");
            String written = single(primary, "select pg_current_wal_lsn()::text");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!"true"
                    .equals(single(standby, "select (pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn)::text"))) {
                assertThat(System.nanoTime())
                        .as("the standby replays the writes")
                        .isLessThan(deadline);
                Thread.sleep(50);
            }

            standby.promote();

            assertThat(single(standby, "select timeline_id::text from pg_control_checkpoint()"))
                    .as("the window: the last checkpoint is still of the old timeline")
                    .isEqualTo("1");
            try (Connection connection = standby.connect();
                    Statement statement = connection.createStatement();
                    ResultSet row = statement.executeQuery(PhysicalBackupJob.FACTS)) {
                row.next();
                assertThat(row.getInt("timeline")).isEqualTo(2);
            }
        }
    }

    private static String single(ThrowawayPostgres postgres, String sql) throws Exception {
        try (Connection connection = postgres.connect();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }
}
