package io.strata.restore.logical;

import io.strata.common.command.RestoreUpload;
import io.strata.common.command.RestoreUpload.UploadedArchive;
import io.strata.common.event.JobResult.UploadRestoreResult;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.ProgressTicker;
import io.strata.platform.storage.StorageEncryption;
import io.strata.restore.logical.ConfinedRoles.Confined;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores an uploaded {@code pg_dump} archive (UPLOAD_RESTORE): proves the stored upload's checksum while
 * downloading it, has pg_restore read its table of contents, then restores it as a {@link ConfinedRoles confined
 * role} into a new database, or (replace) takes a safety backup, restores into a temporary database and swaps it
 * in. What the archive's SQL may do is what its role may: nothing outside the new database. The stored upload
 * is removed when the job ends, however it ends.
 */
public class UploadRestore {
    private static final Logger log = LoggerFactory.getLogger(UploadRestore.class);
    private static final Duration TICK = Duration.ofSeconds(1);
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
            store.deleteQuietly(upload.key());
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
                List<String> definers = restoreConfined(source, newDatabase, archive, entries, reporter);
                return result(command, upload, newDatabase, false, null, entries, definers);
            }
            String safetyBackupId = safetyBackup.takeBeforeReplace(
                    source, command.source(), command.jobId(), command.requestId(), reporter);
            String hex = DatabaseNames.randomHex();
            String temporary = DatabaseNames.temporary(source.database(), hex);
            List<String> definers = restoreConfined(source, temporary, archive, entries, reporter);
            LogicalRestore.swapIn(admin, source, temporary, hex, reporter);
            return result(command, upload, source.database(), true, safetyBackupId, entries, definers);
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    /**
     * Creates {@code database} owned by a new confined role, restores the archive as that role, then hands the
     * database over to the source's user; drops both the database and the role if anything fails. Returns the
     * restored SECURITY DEFINER functions.
     */
    private List<String> restoreConfined(
            SourceConnection source, String database, Path archive, int entries, JobReporter reporter) {
        // pg_restore opens one session per job besides its own, and its pulse one more
        Confined confined = roles.create(source, properties.jobs() + 3);
        boolean handedOver = false;
        try {
            admin.create(source, database, confined.role());
            RestoreProgress.ItemCounter counter = new RestoreProgress.ItemCounter(properties.jobs() > 1);
            reporter.step(RestoreProgress.RESTORING, RestoreProgress.DOWNLOAD_END);
            try (ProgressTicker ticker = ProgressTicker.every(
                    TICK,
                    () -> reporter.progress(
                            RestoreProgress.RESTORING,
                            RestoreProgress.restoringPercent(counter.done(), entries),
                            0,
                            0))) {
                pgRestore.restore(confined.login(), database, archive, jobs(archive), CONFINED_OPTIONS, counter);
            }
            List<String> definers = roles.securityDefinerFunctions(source, database);
            roles.handOver(source, database, confined.role());
            handedOver = true;
            if (!definers.isEmpty()) {
                log.warn(
                        "the archive restored into {} holds {} SECURITY DEFINER function(s), now owned by {}: {}",
                        database,
                        definers.size(),
                        source.username(),
                        definers);
            }
            return definers;
        } catch (RuntimeException e) {
            if (!handedOver) {
                admin.dropQuietly(source, database);
                roles.dropQuietly(source, confined.role());
            }
            throw e;
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
            boolean replaced,
            String safetyBackupId,
            int entries,
            List<String> definers) {
        return new UploadRestoreResult(
                command.jobId().toString(),
                upload.filename(),
                upload.format(),
                upload.uploadedBytes(),
                upload.uploadedSha256(),
                database,
                replaced,
                safetyBackupId,
                entries,
                definers);
    }
}
