package io.strata.common.storage;

import io.strata.common.model.BackupChain;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.List;

/**
 * {@code manifest.json}, written last: a backup without one does not exist. It lists every object of
 * the backup with its SHA-256 so a restore can prove what it reads before it touches anything.
 *
 * <p>{@code startLsn}, {@code endLsn}, {@code timeline} and {@code chain} are a physical backup's (null in a
 * logical one); {@code tableRows} is a logical backup's row counts (null in a physical one, whose files are
 * read while the database changes, and in a logical one taken without counting).
 */
public record BackupManifest(
        int schemaVersion,
        BackupId backupId,
        String source,
        BackupKind kind,
        BackupType type,
        boolean schemaOnly,
        String database,
        String serverVersion,
        String jobId,
        String description,
        Instant startedAt,
        Instant finishedAt,
        List<StoredObject> objects,
        Lsn startLsn,
        Lsn endLsn,
        Integer timeline,
        BackupChain chain,
        List<TableRows> tableRows) {
    public static final int SCHEMA_VERSION = 1;

    /**
     * The rows of one table of a logical backup's database, counted in the snapshot pg_dump dumped: what a
     * restore drill of the backup must find again.
     */
    public record TableRows(String schema, String table, long rows) {}

    /**
     * One object of a backup. {@code sha256} and {@code storedBytes} are of the bytes as stored
     * (compressed); {@code rawBytes} is the size before compression.
     */
    public record StoredObject(
            String key, String format, String compression, long rawBytes, long storedBytes, String sha256) {
        public static final String TAR = "tar";
        public static final String BLOCK_PACK = "strata-blockpack";
        public static final String BLOCK_MAP = "strata-blockmap";
        public static final String PG_MANIFEST = "postgresql-backup-manifest";
    }

    /** The object of {@code format}, if the backup has one. */
    public java.util.Optional<StoredObject> object(String format) {
        return objects == null
                ? java.util.Optional.empty()
                : objects.stream().filter(o -> format.equals(o.format())).findFirst();
    }
}
