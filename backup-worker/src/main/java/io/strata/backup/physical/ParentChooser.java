package io.strata.backup.physical;

import io.strata.common.model.BackupType;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.ObjectStore;
import io.strata.platform.catalog.CatalogApi.BaseBackupView;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.storage.BackupManifests;
import io.strata.platform.storage.StorageEncryption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Picks the parent of a differential (the newest usable full backup) or incremental (the newest usable
 * backup of any type) physical backup, among the source's usable base backups of the same cluster (system
 * identifier) and timeline, as the catalog lists them. The parent must have a block map (full backups taken
 * before chains do not). With no such parent, the backup is taken as full, and the reason says why.
 */
@Component
class ParentChooser {
    private final CatalogClient catalog;
    private final ObjectStore store;
    private final StorageEncryption encryption;

    ParentChooser(CatalogClient catalog, ObjectStore store, StorageEncryption encryption) {
        this.catalog = catalog;
        this.store = store;
        this.encryption = encryption;
    }

    /** The parent and its block map, or why there is none. */
    record Choice(BaseBackupView parent, StoredObject blockMap, String reason) {
        static Choice none(String reason) {
            return new Choice(null, null, reason);
        }

        boolean found() {
            return parent != null;
        }

        /** Whether the parent is of the cluster and timeline a backup is taken of (none found: false). */
        boolean fits(String systemIdentifier, int timeline) {
            return found() && systemIdentifier.equals(parent.systemIdentifier()) && parent.timeline() == timeline;
        }
    }

    /**
     * The newest usable parent of any cluster and timeline: chosen (and its block map loaded) while the server's
     * facts are still being read, then kept only if it {@link Choice#fits} them.
     */
    Choice likely(String source, BackupType requested, boolean requireEncrypted) {
        return choose(source, requested, null, 0, requireEncrypted);
    }

    /** @param systemIdentifier the cluster's (null: any cluster and timeline, see {@link #likely}) */
    Choice choose(
            String source, BackupType requested, String systemIdentifier, int timeline, boolean requireEncrypted) {
        List<BaseBackupView> usable = catalog.baseBackups(source);
        String wanted = requested == BackupType.DIFFERENTIAL ? "FULL backup" : "backup";
        Optional<BaseBackupView> newest = usable.stream()
                .filter(b -> requested != BackupType.DIFFERENTIAL || b.type() == BackupType.FULL)
                .filter(b -> systemIdentifier == null
                        || (systemIdentifier.equals(b.systemIdentifier()) && b.timeline() == timeline))
                .max(Comparator.comparing(BaseBackupView::finishedAt).thenComparing(BaseBackupView::backupId));
        if (newest.isEmpty()) {
            return Choice.none("source '" + source + "' has no usable physical " + wanted + " of this cluster (system"
                    + " identifier " + systemIdentifier + ", timeline " + timeline + ") to build on"
                    + (usable.isEmpty() ? "" : " (" + usable.size() + " usable of another cluster, timeline or type)"));
        }
        BaseBackupView parent = newest.get();
        BackupManifest manifest = BackupManifests.read(store, encryption, source, parent.backupId(), requireEncrypted);
        return manifest.object(StoredObject.BLOCK_MAP)
                .map(map -> new Choice(parent, map, null))
                .orElseGet(() -> Choice.none("the newest usable " + wanted + " of source '" + source + "', "
                        + parent.backupId() + ", was taken before block maps existed, so nothing can build on it"));
    }
}
