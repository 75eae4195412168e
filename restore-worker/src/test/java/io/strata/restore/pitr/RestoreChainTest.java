package io.strata.restore.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.messaging.Json;
import io.strata.common.model.BackupChain;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.FailureCode;
import io.strata.common.model.Lsn;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.storage.StorageEncryption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which stored objects a restore of a base backup takes ({@link PointInTimeRestore#chain}): the FULL's tar, each
 * later backup's pack in chain order, and the restored backup's own block map and PostgreSQL manifest. A FULL's
 * separate manifest (every FULL since block chains; the only one when the server compressed the tar) is put in
 * place; a FULL from before block chains has its manifest only in its tar.
 */
class RestoreChainTest {
    private static final String SOURCE = "shop";
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private LocalObjectStore store;
    private PointInTimeRestore restore;

    @BeforeEach
    void setUp(@TempDir Path root, @TempDir Path data) throws Exception {
        store = new LocalObjectStore(root);
        restore = new PointInTimeRestore(
                null,
                store,
                StorageEncryption.off("test"),
                null,
                new PitrProperties("postgres", 4, 8 << 20, 4, 32, Duration.ofHours(6), List.of(data)),
                null,
                null,
                Clock.systemUTC());
    }

    @Test
    void aFullBackupsSeparateManifestIsPutInPlace() throws Exception {
        BackupId full = BackupId.newId(T0);
        write(full, BackupType.FULL, null, StoredObject.TAR, StoredObject.PG_MANIFEST);

        PointInTimeRestore.Chain chain = restore.chain(SOURCE, full.toString(), false);

        assertThat(chain.tar().key()).isEqualTo(key(full, StoredObject.TAR));
        assertThat(chain.packs()).isEmpty();
        assertThat(chain.incremental()).isFalse();
        assertThat(chain.targetMap()).isNull();
        assertThat(chain.targetPgManifest().key()).isEqualTo(key(full, StoredObject.PG_MANIFEST));
    }

    @Test
    void aFullBackupFromBeforeBlockChainsUsesTheManifestInItsTar() throws Exception {
        BackupId full = BackupId.newId(T0);
        write(full, BackupType.FULL, null, StoredObject.TAR);

        PointInTimeRestore.Chain chain = restore.chain(SOURCE, full.toString(), false);

        assertThat(chain.tar().key()).isEqualTo(key(full, StoredObject.TAR));
        assertThat(chain.targetPgManifest()).as("none apart from the tar's").isNull();
    }

    @Test
    void anIncrementalTakesTheFullsTarThePacksInChainOrderAndItsOwnMapAndManifest() throws Exception {
        BackupId full = BackupId.newId(T0);
        BackupId differential = BackupId.newId(T0.plusSeconds(60));
        BackupId incremental = BackupId.newId(T0.plusSeconds(120));
        write(full, BackupType.FULL, null, StoredObject.TAR, StoredObject.PG_MANIFEST);
        write(
                differential,
                BackupType.DIFFERENTIAL,
                List.of(full, differential),
                StoredObject.BLOCK_PACK,
                StoredObject.BLOCK_MAP,
                StoredObject.PG_MANIFEST);
        write(
                incremental,
                BackupType.INCREMENTAL,
                List.of(full, differential, incremental),
                StoredObject.BLOCK_PACK,
                StoredObject.BLOCK_MAP,
                StoredObject.PG_MANIFEST);

        PointInTimeRestore.Chain chain = restore.chain(SOURCE, incremental.toString(), false);

        assertThat(chain.tar().key()).isEqualTo(key(full, StoredObject.TAR));
        assertThat(chain.packs())
                .extracting(StoredObject::key)
                .containsExactly(key(differential, StoredObject.BLOCK_PACK), key(incremental, StoredObject.BLOCK_PACK));
        assertThat(chain.targetMap().key()).isEqualTo(key(incremental, StoredObject.BLOCK_MAP));
        assertThat(chain.targetPgManifest().key())
                .as("the restored backup's own, not the FULL's")
                .isEqualTo(key(incremental, StoredObject.PG_MANIFEST));
    }

    @Test
    void anIncrementalWithoutItsPostgresqlManifestIsDamaged() throws Exception {
        BackupId full = BackupId.newId(T0);
        BackupId incremental = BackupId.newId(T0.plusSeconds(60));
        write(full, BackupType.FULL, null, StoredObject.TAR, StoredObject.PG_MANIFEST);
        write(
                incremental,
                BackupType.INCREMENTAL,
                List.of(full, incremental),
                StoredObject.BLOCK_PACK,
                StoredObject.BLOCK_MAP);

        assertThatThrownBy(() -> restore.chain(SOURCE, incremental.toString(), false))
                .isInstanceOfSatisfying(
                        JobFailureException.class, e -> assertThat(e.code()).isEqualTo(FailureCode.BACKUP_NOT_FOUND))
                .hasMessageContaining("lists no " + StoredObject.PG_MANIFEST + " object");
    }

    @Test
    void aChainThatDoesNotStartWithAFullIsRefused() throws Exception {
        BackupId first = BackupId.newId(T0);
        BackupId incremental = BackupId.newId(T0.plusSeconds(60));
        write(first, BackupType.INCREMENTAL, List.of(first), StoredObject.BLOCK_PACK, StoredObject.BLOCK_MAP);
        write(
                incremental,
                BackupType.INCREMENTAL,
                List.of(first, incremental),
                StoredObject.BLOCK_PACK,
                StoredObject.BLOCK_MAP,
                StoredObject.PG_MANIFEST);

        assertThatThrownBy(() -> restore.chain(SOURCE, incremental.toString(), false))
                .isInstanceOf(JobFailureException.class)
                .hasMessageContaining("starts with " + first + ", which is INCREMENTAL, not FULL");
    }

    private void write(BackupId id, BackupType type, List<BackupId> chainIds, String... formats) throws Exception {
        List<StoredObject> objects = new ArrayList<>();
        for (String format : formats) {
            objects.add(new StoredObject(key(id, format), format, "zstd", 100, 50, "0".repeat(64)));
        }
        BackupChain chain = chainIds == null
                ? null
                : new BackupChain(
                        type,
                        null,
                        chainIds.size() > 1 ? chainIds.get(chainIds.size() - 2).toString() : null,
                        chainIds.stream().map(BackupId::toString).toList(),
                        "7000000000000000001",
                        1000,
                        100);
        BackupManifest manifest = new BackupManifest(
                BackupManifest.SCHEMA_VERSION,
                id,
                SOURCE,
                BackupKind.PHYSICAL,
                type,
                false,
                null,
                "15.10",
                null,
                null,
                T0,
                T0.plusSeconds(10),
                objects,
                Lsn.parse("0/3000028"),
                Lsn.parse("0/3000100"),
                1,
                chain,
                null);
        store.put(StorageLayout.manifestKey(SOURCE, id), Json.write(manifest).getBytes(StandardCharsets.UTF_8));
    }

    private static String key(BackupId id, String format) {
        return StorageLayout.backupObjectKey(SOURCE, id, format);
    }
}
