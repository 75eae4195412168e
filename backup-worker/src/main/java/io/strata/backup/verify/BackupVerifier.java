package io.strata.backup.verify;

import io.strata.common.command.VerifyBackup;
import io.strata.common.event.JobResult.VerifyResult;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.HashingInputStream;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ParallelDownload;
import io.strata.platform.catalog.CatalogApi.VerificationProblem;
import io.strata.platform.catalog.CatalogApi.VerificationReport;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.CountingInputStream;
import io.strata.platform.logical.ProgressTicker;
import io.strata.platform.storage.BackupManifests;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * A VERIFY job: every object of a backup, and of each backup its restore needs (its chain from the FULL
 * one), is read back and its stored bytes hashed; the SHA-256 and size must be those its manifest recorded.
 * No key is needed (the hash is of the stored bytes). The job fails naming every object that is missing or
 * corrupt, or succeeds saying what it checked.
 */
@Component
public class BackupVerifier {
    static final String STEP = "verifying";
    private static final int CHUNK = 8 << 20;
    private static final int CONNECTIONS = 4;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final CatalogClient catalog;

    public BackupVerifier(ObjectStore store, StorageEncryption encryption, CatalogClient catalog) {
        this.store = store;
        this.encryption = encryption;
        this.catalog = catalog;
    }

    public VerifyResult run(VerifyBackup command, JobReporter reporter) {
        String source = command.source();
        String backupId = command.backupId().toString();
        BackupManifest target = manifest(source, backupId);
        List<String> chain =
                target.chain() == null || target.chain().backupIds().isEmpty()
                        ? List.of(backupId)
                        : target.chain().backupIds();
        List<BackupManifest> manifests = new ArrayList<>();
        for (String id : chain) {
            manifests.add(id.equals(backupId) ? target : manifest(source, id));
        }
        long total = manifests.stream()
                .flatMap(m -> m.objects().stream())
                .mapToLong(StoredObject::storedBytes)
                .sum();
        AtomicLong done = new AtomicLong();
        List<VerificationProblem> problems = new ArrayList<>();
        int objects = 0;
        try (ProgressTicker ticker = ProgressTicker.every(
                Duration.ofSeconds(1),
                () -> reporter.progress(
                        STEP, total == 0 ? 0 : (int) Math.min(99, done.get() * 100 / total), done.get(), total))) {
            reporter.progress(STEP, 0, 0, total);
            for (BackupManifest manifest : manifests) {
                for (StoredObject object : manifest.objects()) {
                    objects++;
                    check(object, done)
                            .ifPresent(problem -> problems.add(
                                    new VerificationProblem(manifest.backupId().toString(), object.key(), problem)));
                }
            }
        }
        // recorded before the job ends: a damaged backup, and every chain through it, is then not usable
        catalog.recordVerification(
                backupId, new VerificationReport(command.jobId().toString(), chain, List.copyOf(problems)));
        if (!problems.isEmpty()) {
            throw new JobFailureException(
                    FailureCode.CHECKSUM_MISMATCH,
                    "Backup " + backupId + " cannot be restored as stored: "
                            + problems.stream()
                                    .map(p -> p.key() + " " + p.problem())
                                    .collect(java.util.stream.Collectors.joining("; "))
                            + ". Restore from another backup, and take a new one.",
                    false);
        }
        return new VerifyResult(backupId, chain, objects, done.get());
    }

    /** What is wrong with {@code object}, if anything (a phrase following its key). */
    private java.util.Optional<String> check(StoredObject object, AtomicLong done) {
        try (InputStream download =
                        new ParallelDownload(store, object.key(), object.storedBytes(), CHUNK, CONNECTIONS);
                HashingInputStream hashing = new HashingInputStream(new CountingInputStream(download, done))) {
            hashing.transferTo(OutputStream.nullOutputStream());
            if (hashing.count() != object.storedBytes() || !hashing.sha256Hex().equalsIgnoreCase(object.sha256())) {
                return java.util.Optional.of("is corrupt (SHA-256 " + hashing.sha256Hex() + " over "
                        + hashing.count() + " bytes, expected " + object.sha256() + " over " + object.storedBytes()
                        + ")");
            }
            return java.util.Optional.empty();
        } catch (NoSuchObjectException e) {
            return java.util.Optional.of("is missing from " + store.describe());
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("ended after")) {
                return java.util.Optional.of("is shorter than its manifest says (" + e.getMessage() + ")");
            }
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Could not read " + object.key() + " from " + store.describe() + ": " + e.getMessage(),
                    true,
                    e);
        }
    }

    private BackupManifest manifest(String source, String backupId) {
        // the manifest itself may be encrypted; reading it needs the key (the objects' hashes do not)
        return BackupManifests.read(store, encryption, source, backupId, false);
    }
}
