package io.strata.platform.logical;

import io.strata.common.model.BackupId;
import io.strata.common.storage.StorageLayout;

/** How a logical backup is stored: one zstd-compressed pg_dump custom-format archive per backup. */
public final class LogicalBackupLayout {
    /** The object's name inside {@code <source>/backups/<backupId>/}. */
    public static final String DUMP_OBJECT = "dump.pgc.zst";
    /** The manifest's {@code format} of that object: {@code pg_dump -Fc} output. */
    public static final String FORMAT = "pg_dump-custom";
    /** The manifest's {@code compression} of that object. */
    public static final String COMPRESSION = "zstd";

    private LogicalBackupLayout() {}

    public static String dumpKey(String source, BackupId backupId) {
        return StorageLayout.backupObjectKey(source, backupId, DUMP_OBJECT);
    }
}
