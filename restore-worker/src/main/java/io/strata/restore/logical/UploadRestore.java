package io.strata.restore.logical;

import io.strata.common.command.RestoreUpload;
import io.strata.common.command.RestoreUpload.UploadedArchive;
import io.strata.common.event.JobResult.UploadRestoreResult;
import io.strata.common.model.FailureCode;
import io.strata.common.model.Names;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.storage.StorageEncryption;
import io.strata.restore.logical.ConfinedRoles.Confined;
import io.strata.restore.logical.ConfinedRoles.Sealed;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores an uploaded {@code pg_dump} archive (UPLOAD_RESTORE): checks the owner it is to get, proves the stored
 * upload's checksum while downloading it, has pg_restore read its table of contents, then restores it as a
 * {@link ConfinedRoles confined role} into a new database, or (replace) takes a safety backup, restores into a
 * temporary database and swaps it in. What the archive's SQL may do is what its role may: nothing outside the
 * new database; what it made is then owned by that role, locked out, or by the unprivileged owner named. The
 * stored upload is removed when the job ends, however it ends.
 */
public class UploadRestore {
    private static final Logger log = LoggerFactory.getLogger(UploadRestore.class);
    static final String FORMAT = "pg_dump-upload";
    /**
     * pg_restore's options besides LogicalRestore's: nothing that needs a superuser or reaches outside the
     * database (no owners, grants, tablespaces, security labels, and no subscriptions, whose connection string
     * would make the server connect where the archive says).
     */
    static final List<String> CONFINED_OPTIONS =
            List.of("--no-privileges", "--no-tablespaces", "--no-subscriptions", "--no-security-labels");

    private static final byte[] CUSTOM_MAGIC = "PGDMP".getBytes(StandardCharsets.US_ASCII);
    private final CatalogClient catalog;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final LogicalRestore logical;
    private final PgRestoreRunner pgRestore;
    private final DatabaseAdmin admin;
    private final ConfinedRoles roles;
    private final SafetyBackup safetyBackup;
    private final RestoreProperties properties;

    UploadRestore(
            CatalogClient catalog,
            ObjectStore store,
            StorageEncryption encryption,
            LogicalRestore logical,
            PgRestoreRunner pgRestore,
            DatabaseAdmin admin,
            ConfinedRoles roles,
            SafetyBackup safetyBackup,
            RestoreProperties properties) {
        this.catalog = catalog;
        this.store = store;
        this.encryption = encryption;
        this.logical = logical;
        this.pgRestore = pgRestore;
        this.admin = admin;
        this.roles = roles;
        this.safetyBackup = safetyBackup;
        this.properties = properties;
    }

    /** @throws JobFailureException with the code the job fails with */
    public UploadRestoreResult run(RestoreUpload command, JobReporter reporter) throws IOException {
        UploadedArchive upload = command.upload();
        String expectedKey = StorageLayout.uploadKey(command.source(), command.jobId());
        if (upload == null || !expectedKey.equals(upload.key())) {
            // a command naming another object would have this job read, and then remove, what it names
            throw new JobFailureException(
                    FailureCode.INVALID_COMMAND,
                    "The RestoreUpload command's upload must be stored at " + expectedKey + ", not "
                            + (upload == null ? "nowhere" : upload.key()) + ". Nothing was read or restored.",
                    false);
        }
        try {
            return restore(command, upload, reporter);
        } finally {
            // also when cancelled: the store's client may refuse to work on an interrupted thread
            DatabaseAdmin.uninterrupted(() -> store.deleteQuietly(upload.key()));
        }
    }

    private UploadRestoreResult restore(RestoreUpload command, UploadedArchive upload, JobReporter reporter)
            throws IOException {
        SourceConnection source = catalog.sourceConnection(command.source())
                .orElseThrow(() -> JobFailureException.sourceNotFound(command.source()));
        String newDatabase = LogicalRestore.newDatabase(command.into());
        if (newDatabase != null && admin.exists(source, newDatabase)) {
            throw new JobFailureException(FailureCode.TARGET_EXISTS, DatabaseAdmin.targetExists(newDatabase), false);
        }
        String owner = command.owner();
        if (owner != null) {
            if (!Names.isDatabase(owner)) {
                throw new JobFailureException(
                        FailureCode.INVALID_TARGET,
                        "The owner of an uploaded archive's objects must be a role name that is " + Names.DATABASE_RULE
                                + ". Nothing was restored.",
                        false);
            }
            roles.requireUnprivileged(source, owner);
        }
        boolean requireEncrypted = Boolean.TRUE.equals(source.encrypt());
        StoredObject object = new StoredObject(
                upload.key(), FORMAT, "zstd", upload.uploadedBytes(), upload.storedBytes(), upload.sha256());
        encryption.requireReadable(store, object.key(), requireEncrypted);
        Path archive = Files.createTempFile(Files.createDirectories(properties.workDir()), "strata-upload-", ".pgdump");
        try {
            long rawBytes = logical.download(object, archive, reporter, requireEncrypted);
            if (rawBytes != upload.uploadedBytes()) {
                throw new JobFailureException(
                        FailureCode.CHECKSUM_MISMATCH,
                        "The stored upload holds " + rawBytes + " bytes, but " + upload.uploadedBytes()
                                + " were received. Nothing was restored; upload the file again.",
                        false);
            }
            int entries = pgRestore.countEntries(source, archive);
            if (newDatabase != null) {
                Sealed sealed = restoreConfined(source, newDatabase, archive, entries, owner, reporter);
                return result(command, upload, newDatabase, sealed, false, null, entries);
            }
            String safetyBackupId = safetyBackup.takeBeforeReplace(
                    source, command.source(), command.jobId(), command.requestId(), reporter);
            String hex = DatabaseNames.randomHex();
            String temporary = DatabaseNames.temporary(source.database(), hex);
            Sealed sealed = restoreConfined(source, temporary, archive, entries, owner, reporter);
            try {
                LogicalRestore.swapIn(admin, source, temporary, hex, reporter);
            } catch (RuntimeException e) {
                if (owner == null) { // the locked-out role owned only the copy swapIn dropped
                    DatabaseAdmin.uninterrupted(() -> roles.dropQuietly(source, sealed.owner()));
                }
                throw e;
            }
            return result(command, upload, source.database(), sealed, true, safetyBackupId, entries);
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    /**
     * Creates {@code database} owned by a new confined role, restores the archive as that role, then seals it
     * ({@link ConfinedRoles#seal}); drops the database (unless creating it failed: it may be someone else's) and
     * the role if anything fails or the job is cancelled.
     */
    private Sealed restoreConfined(
            SourceConnection source, String database, Path archive, int entries, String owner, JobReporter reporter) {
        // pg_restore opens one session per job besides its own, and its pulse one more
        Confined confined = roles.create(source, properties.jobs() + 3);
        boolean created = false;
        Sealed sealed = null;
        try {
            admin.create(source, database, confined.role());
            created = true;
            logical.pgRestore(confined.login(), database, archive, entries, jobs(archive), CONFINED_OPTIONS, reporter);
            sealed = roles.seal(source, database, confined.role(), owner);
            if (!sealed.securityDefinerFunctions().isEmpty()) {
                log.warn(
                        "the archive restored into {} holds {} SECURITY DEFINER function(s), owned by {}: {}",
                        database,
                        sealed.securityDefinerFunctions().size(),
                        sealed.owner(),
                        sealed.securityDefinerFunctions());
            }
            return sealed;
        } finally {
            if (sealed == null) {
                boolean dropDatabase = created;
                // a cancelled job's thread is interrupted, and pgjdbc then opens no connection: clean up first
                DatabaseAdmin.uninterrupted(() -> {
                    if (dropDatabase) {
                        roles.disarmQuietly(source, database, confined.role());
                        admin.dropQuietly(source, database);
                    }
                    roles.dropQuietly(source, confined.role());
                });
            }
        }
    }

    /** pg_restore's jobs: only a custom-format archive (it starts with PGDMP) is restored in parallel. */
    private int jobs(Path archive) {
        byte[] magic = new byte[CUSTOM_MAGIC.length];
        try (InputStream in = Files.newInputStream(archive)) {
            return in.readNBytes(magic, 0, magic.length) == magic.length && Arrays.equals(magic, CUSTOM_MAGIC)
                    ? properties.jobs()
                    : 1;
        } catch (IOException e) {
            return 1; // pg_restore says what is wrong with the file
        }
    }

    private static UploadRestoreResult result(
            RestoreUpload command,
            UploadedArchive upload,
            String database,
            Sealed sealed,
            boolean replaced,
            String safetyBackupId,
            int entries) {
        return new UploadRestoreResult(
                command.jobId().toString(),
                upload.filename(),
                upload.format(),
                upload.uploadedBytes(),
                upload.uploadedSha256(),
                database,
                sealed.owner(),
                replaced,
                safetyBackupId,
                entries,
                sealed.securityDefinerFunctions());
    }
}
