package io.strata.restore.pitr;

import io.strata.common.command.RecoveryTarget;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings a restored cluster starts with, appended to its {@code postgresql.auto.conf} (read after
 * postgresql.conf, so they win): where recovery stops and that it then promotes, how WAL is fetched, and
 * where the new cluster listens (loopback only, on the requested port, no Unix socket, no archiving, so it
 * never mistakes itself for the source). Once recovery is over the recovery block is removed again.
 */
final class RecoverySettings {
    static final String AUTO_CONF = "postgresql.auto.conf";
    private static final String SERVER_MARK = "# strata point-in-time restore: the restored cluster";
    private static final String RECOVERY_MARK = "# strata point-in-time restore: recovery (removed after promotion)";

    private static final DateTimeFormatter POSTGRES_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private RecoverySettings() {}

    /**
     * The {@code recovery_target*} lines for a target (none for latest: recover to the end of the WAL). A
     * restore point is recovered to by the unique name Strata wrote into the WAL, never the user's name,
     * which another source of the same server may have used too; a point recorded without one (before
     * names were unique) by its LSN, stopping just before the record that follows it.
     */
    static List<String> targetLines(RecoveryTarget target, RecoveryPlan plan) {
        return switch (target.kind()) {
            case TIME -> List.of("recovery_target_time = " + quote(postgresTime(target.time())));
            case RESTORE_POINT ->
                plan.restorePointServerName() != null
                        ? List.of("recovery_target_name = " + quote(plan.restorePointServerName()))
                        : List.of(
                                "recovery_target_lsn = " + quote(plan.stopLsn().toString()),
                                "recovery_target_inclusive = 'off'");
            case LSN -> List.of("recovery_target_lsn = " + quote(target.lsn().toString()));
            case XID -> List.of("recovery_target_xid = " + quote(Long.toString(RecoveryTarget.parseXid(target.xid()))));
            case IMMEDIATE -> List.of("recovery_target = 'immediate'");
            case LATEST -> List.of();
        };
    }

    /** PostgreSQL's own timestamptz form in UTC ("2026-11-22 14:29:00.5+00"); it refuses ISO 8601's "T…Z". */
    static String postgresTime(String rfc3339) {
        return POSTGRES_TIME.format(RecoveryTarget.parseTime(rfc3339).atOffset(ZoneOffset.UTC)) + "+00";
    }

    /** Writes both blocks and {@code recovery.signal}. */
    static void write(Path dataDir, int port, String restoreCommand, List<String> targetLines, OsUser user)
            throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add(SERVER_MARK);
        lines.add("port = " + port);
        lines.add("listen_addresses = '127.0.0.1'");
        lines.add("unix_socket_directories = ''");
        lines.add("archive_mode = 'off'");
        lines.add("logging_collector = 'off'");
        lines.add("primary_conninfo = ''");
        lines.add("primary_slot_name = ''");
        lines.add("hot_standby = 'on'");
        lines.add(RECOVERY_MARK);
        // recovery's outcome is judged partly by its log: PostgreSQL's own words, untranslated
        lines.add("lc_messages = 'C'");
        lines.add("restore_command = " + quote(restoreCommand));
        lines.add("recovery_target_timeline = 'current'");
        lines.add("recovery_target_action = 'promote'");
        lines.addAll(targetLines);
        // the data directory is the cluster's user's: nothing there is written in place or through a link
        ClusterFiles.appendLines(dataDir.resolve(AUTO_CONF), lines, user);
        ClusterFiles.replace(dataDir.resolve("recovery.signal"), new byte[0], user);
    }

    /** Recovery is over: drops the recovery block, so a later restart does not look for the restore script. */
    static void removeRecoveryBlock(Path dataDir, OsUser user) throws IOException {
        Path autoConf = dataDir.resolve(AUTO_CONF);
        List<String> kept = new ArrayList<>();
        boolean inRecovery = false;
        for (String line : ClusterFiles.readLines(autoConf)) {
            if (line.equals(RECOVERY_MARK)) {
                inRecovery = true;
            } else if (line.startsWith("# ")) {
                inRecovery = false;
            }
            if (!inRecovery) {
                kept.add(line);
            }
        }
        ClusterFiles.replace(autoConf, (String.join("\n", kept) + "\n").getBytes(StandardCharsets.UTF_8), user);
    }

    /** Appends lines that override earlier ones (the last setting of a name wins). */
    static void append(Path dataDir, List<String> lines, OsUser user) throws IOException {
        ClusterFiles.appendLines(dataDir.resolve(AUTO_CONF), lines, user);
    }

    /**
     * A configuration-file string literal. Every value written here is made by Strata (numbers, parsed LSNs,
     * formatted times, fixed paths); control characters are refused anyway, so no value can ever start a
     * new line of settings, and quotes and backslashes are escaped as PostgreSQL's parser expects.
     */
    static String quote(String value) {
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("a configuration value may not hold control characters");
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
