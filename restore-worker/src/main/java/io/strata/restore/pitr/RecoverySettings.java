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
 *
 * <p>The file as the backup brought it is read once, while the data directory is still the worker's alone
 * ({@link #of}, before it is handed to the cluster's user), and kept here: every later change writes that
 * content and the blocks anew ({@link ClusterFiles#replace}), so the worker never reads what the cluster's
 * user may have put there since (a link, a hard link to a file of root's, a FIFO). A setting the restored
 * server's {@code ALTER SYSTEM} wrote between its promotion and the removal of the recovery block would be
 * lost; nothing connects to it in that moment but the worker.
 */
final class RecoverySettings {
    static final String AUTO_CONF = "postgresql.auto.conf";
    private static final String SERVER_MARK = "# strata point-in-time restore: the restored cluster";
    private static final String RECOVERY_MARK = "# strata point-in-time restore: recovery (removed after promotion)";

    private static final DateTimeFormatter POSTGRES_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private final ClusterFiles.Staging files;
    private final OsUser user;
    private final byte[] original;
    private final List<String> server = new ArrayList<>();
    private final List<String> recovery = new ArrayList<>();

    private RecoverySettings(ClusterFiles.Staging files, OsUser user, byte[] original) {
        this.files = files;
        this.user = user;
        this.original = original;
    }

    /**
     * The settings of the cluster in {@code dataDir}, from its {@code postgresql.auto.conf} as it is now (the
     * backup's, or none): call it before the directory is handed to the cluster's user.
     */
    static RecoverySettings of(Path dataDir, ClusterFiles.Staging files, OsUser user) throws IOException {
        Path file = dataDir.resolve(AUTO_CONF);
        return new RecoverySettings(files, user, ClusterFiles.exists(file) ? ClusterFiles.read(file) : new byte[0]);
    }

    /**
     * The {@code recovery_target*} lines for a target (none for latest: recover to the end of the WAL). A
     * restore point is recovered to by the unique name Strata wrote into the WAL, never the user's name,
     * which another source of the same server may have used too; a point recorded without one (before
     * names were unique) by its LSN, stopping just before the record that follows it. A plan that follows
     * the source onto a newer timeline than the backup's names that timeline.
     */
    static List<String> targetLines(RecoveryTarget target, RecoveryPlan plan) {
        List<String> lines = new java.util.ArrayList<>(kindLines(target, plan));
        if (plan.crossesTimelines()) { // after 'current' (the last setting of a name wins)
            lines.add("recovery_target_timeline = '" + plan.timeline() + "'");
        }
        return List.copyOf(lines);
    }

    private static List<String> kindLines(RecoveryTarget target, RecoveryPlan plan) {
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

    /**
     * Removes the backup's {@code standby.signal}, if it has one (a backup of a standby does): with it
     * PostgreSQL would stay a standby, waiting for more WAL, instead of reaching its target and promoting. Call
     * it while the directory is still the worker's alone.
     */
    static void dropStandbySignal(ClusterFiles.Staging files) throws IOException {
        files.remove("standby.signal");
    }

    /**
     * Writes both blocks and {@code recovery.signal}. The server block (kept after promotion) clears what the
     * backup's own settings may hold (a standby's, or what another tool's restore left in the file): every
     * recovery target, a standby's apply delay, the commands it ran at the end of recovery or to clean its
     * archive, which must not run on the restore host, and synchronous standbys, with which every write of the
     * promoted cluster would wait for a standby it never has. The recovery block, after it, sets the target.
     */
    void write(int port, String restoreCommand, List<String> targetLines) throws IOException {
        server.clear();
        server.add(SERVER_MARK);
        server.add("port = " + port);
        server.add("listen_addresses = '127.0.0.1'");
        server.add("unix_socket_directories = ''");
        server.add("archive_mode = 'off'");
        server.add("logging_collector = 'off'");
        server.add("primary_conninfo = ''");
        server.add("primary_slot_name = ''");
        server.add("hot_standby = 'on'");
        server.add("synchronous_standby_names = ''");
        // inherited settings cleared (the last setting of a name wins); the recovery block's target comes after
        server.add("recovery_target = ''");
        server.add("recovery_target_lsn = ''");
        server.add("recovery_target_name = ''");
        server.add("recovery_target_time = ''");
        server.add("recovery_target_xid = ''");
        server.add("recovery_target_inclusive = 'on'");
        server.add("recovery_min_apply_delay = 0");
        server.add("recovery_end_command = ''");
        server.add("archive_cleanup_command = ''");
        recovery.clear();
        recovery.add(RECOVERY_MARK);
        // recovery's outcome is judged partly by its log: PostgreSQL's own words, untranslated
        recovery.add("lc_messages = 'C'");
        recovery.add("restore_command = " + quote(restoreCommand));
        recovery.add("recovery_target_timeline = 'current'");
        recovery.add("recovery_target_action = 'promote'");
        recovery.addAll(targetLines);
        save();
        files.replace("recovery.signal", new byte[0], user);
    }

    /** Adds lines to the recovery block that override earlier ones (the last setting of a name wins). */
    void overrideRecovery(List<String> lines) throws IOException {
        recovery.addAll(lines);
        save();
    }

    /** Recovery is over: drops the recovery block, so a later restart does not look for the restore script. */
    void removeRecoveryBlock() throws IOException {
        recovery.clear();
        save();
    }

    /** The file's content: the backup's bytes as they were, then a blank line and the blocks. */
    byte[] content() {
        StringBuilder text = new StringBuilder();
        if (!server.isEmpty() || !recovery.isEmpty()) {
            text.append('\n');
        }
        server.forEach(line -> text.append(line).append('\n'));
        recovery.forEach(line -> text.append(line).append('\n'));
        byte[] added = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] all = java.util.Arrays.copyOf(original, original.length + added.length);
        System.arraycopy(added, 0, all, original.length, added.length);
        return all;
    }

    private void save() throws IOException {
        // the data directory is the cluster's user's: nothing there is written in place or through a link
        files.replace(AUTO_CONF, content(), user);
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
