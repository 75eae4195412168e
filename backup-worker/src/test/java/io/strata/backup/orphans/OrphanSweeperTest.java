package io.strata.backup.orphans;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.storage.ObjectStore.ObjectInfo;
import io.strata.common.storage.ObjectUpload;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orphan sweep over a real local object store, with the catalog's answers given per backup. */
class OrphanSweeperTest {
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final Duration GRACE = Duration.ofHours(1);

    @TempDir
    Path root;

    private LocalObjectStore store;
    private final Map<String, BackupView> backups = new HashMap<>();
    private final Map<String, JobView> jobs = new HashMap<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private OrphanSweeper sweeper;
    private CatalogClient catalog;

    @BeforeEach
    void setUp() throws IOException {
        store = new LocalObjectStore(root);
        catalog = new CatalogClient(null) {
            @Override
            public List<SourceView> sources() {
                return List.of(new SourceView("shop", "127.0.0.1", 5432, "shop", "postgres", null, NOW));
            }

            @Override
            public Optional<BackupView> backup(String backupId) {
                return Optional.ofNullable(backups.get(backupId));
            }

            @Override
            public Optional<JobView> job(String jobId) {
                return Optional.ofNullable(jobs.get(jobId));
            }
        };
        sweeper = new OrphanSweeper(catalog, store, Clock.fixed(NOW, ZoneOffset.UTC), meters, GRACE);
    }

    @Test
    void aFailedBackupsObjectsAndUnfinishedUploadGoWhileCompleteBackupsStay() throws IOException {
        write("shop/backups/complete/dump.zst", NOW.minus(Duration.ofDays(3)));
        write("shop/backups/complete/manifest.json", NOW.minus(Duration.ofDays(3)));
        backup("complete", "SUCCEEDED", NOW.minus(Duration.ofDays(3)));
        write("shop/backups/failed/dump.zst", NOW.minus(Duration.ofMinutes(5)));
        unfinished("shop/backups/failed/base.tar.zst");
        backup("failed", "FAILED", NOW.minus(Duration.ofMinutes(2)));

        OrphanSweeper.Sweep sweep = sweeper.sweep();

        assertThat(sweep).isEqualTo(new OrphanSweeper.Sweep(1, 1));
        assertThat(keys()).containsExactly("shop/backups/complete/dump.zst", "shop/backups/complete/manifest.json");
        assertThat(store.pendingUploads("shop/")).isEmpty();
        assertThat(meters.get("strata.backup.orphans.removed")
                        .tag("kind", "object")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("strata.backup.orphans.removed")
                        .tag("kind", "upload")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void runningQueuedAndJustEndedBackupsAreLeftAlone() throws IOException {
        write("shop/backups/running/dump.zst", NOW.minus(Duration.ofHours(5)));
        unfinished("shop/backups/running/part.zst");
        backup("running", "RUNNING", null);
        write("shop/backups/requeued/dump.zst", NOW.minus(Duration.ofHours(5)));
        backup("requeued", "QUEUED", null);
        write("shop/backups/justfailed/dump.zst", NOW.minus(Duration.ofSeconds(20)));
        backup("justfailed", "CANCELLED", NOW.minus(Duration.ofSeconds(10)));

        assertThat(sweeper.sweep()).isEqualTo(new OrphanSweeper.Sweep(0, 0));
        assertThat(keys()).hasSize(3);
        assertThat(store.pendingUploads("shop/")).hasSize(1);
    }

    @Test
    void aBackupTheCatalogDoesNotKnowGoesOnlyAfterTheGrace() throws IOException {
        write("shop/backups/stale/dump.zst", NOW.minus(GRACE).minusSeconds(1));
        write("shop/backups/fresh/dump.zst", NOW.minus(GRACE).plusSeconds(60));

        assertThat(sweeper.sweep()).isEqualTo(new OrphanSweeper.Sweep(1, 0));
        assertThat(keys()).containsExactly("shop/backups/fresh/dump.zst");
    }

    @Test
    void anEarlierAttemptsUploadUnderACompletedBackupIsAborted() throws IOException {
        unfinished("shop/backups/retried/base.tar.zst"); // the killed first attempt's write
        write("shop/backups/retried/base.tar.zst", NOW.minusSeconds(30));
        write("shop/backups/retried/manifest.json", NOW.minusSeconds(30));
        backup("retried", "SUCCEEDED", NOW.plusSeconds(1)); // finished after the write began

        assertThat(sweeper.sweep()).isEqualTo(new OrphanSweeper.Sweep(0, 1));
        assertThat(keys()).containsExactly("shop/backups/retried/base.tar.zst", "shop/backups/retried/manifest.json");
        assertThat(store.pendingUploads("shop/")).isEmpty();
    }

    @Test
    void anUploadedArchiveGoesOnceItsJobEndedOrWhenNoJobCameToBeForADay() throws IOException {
        String failed = UUID.randomUUID().toString();
        String succeeded = UUID.randomUUID().toString();
        String cancelled = UUID.randomUUID().toString();
        String justEnded = UUID.randomUUID().toString();
        String running = UUID.randomUUID().toString();
        String unknown = UUID.randomUUID().toString();
        String unknownToday = UUID.randomUUID().toString();
        String receiving = UUID.randomUUID().toString();
        write("shop/uploads/" + failed + "/archive.zst", NOW.minus(Duration.ofMinutes(10)));
        job(failed, JobStatus.FAILED, NOW.minus(Duration.ofMinutes(2))); // its worker was lost
        write("shop/uploads/" + succeeded + "/archive.zst", NOW.minus(Duration.ofMinutes(10)));
        job(succeeded, JobStatus.SUCCEEDED, NOW.minus(Duration.ofMinutes(2))); // removed by its worker, normally
        write("shop/uploads/" + cancelled + "/archive.zst", NOW.minus(Duration.ofMinutes(10)));
        job(cancelled, JobStatus.CANCELLED, NOW.minus(Duration.ofMinutes(2)));
        write("shop/uploads/" + justEnded + "/archive.zst", NOW.minus(Duration.ofMinutes(10)));
        job(justEnded, JobStatus.FAILED, NOW.minusSeconds(20)); // its worker is removing it now
        write("shop/uploads/" + running + "/archive.zst", NOW.minus(Duration.ofHours(5)));
        job(running, JobStatus.RUNNING, null);
        write(
                "shop/uploads/" + unknown + "/archive.zst",
                NOW.minus(Duration.ofDays(1)).minusSeconds(1));
        // stored, its job about to be recorded: on S3 its time is when a long upload began
        write("shop/uploads/" + unknownToday + "/archive.zst", NOW.minus(GRACE).minus(Duration.ofHours(3)));
        unfinished("shop/uploads/" + receiving + "/archive.zst"); // still being received: no job yet
        write("shop/uploads/not-a-job/archive.zst", NOW.minus(Duration.ofDays(3)));

        assertThat(sweeper.sweep()).isEqualTo(new OrphanSweeper.Sweep(4, 0));
        assertThat(keys())
                .containsExactlyInAnyOrder(
                        "shop/uploads/" + justEnded + "/archive.zst",
                        "shop/uploads/" + running + "/archive.zst",
                        "shop/uploads/" + unknownToday + "/archive.zst",
                        "shop/uploads/not-a-job/archive.zst");
        assertThat(store.pendingUploads("shop/uploads/")).hasSize(1);
    }

    @Test
    void anUnfinishedUploadWithoutAJobIsAbortedOnlyAfterADay() throws IOException {
        String abandoned = UUID.randomUUID().toString();
        unfinished("shop/uploads/" + abandoned + "/archive.zst");
        Clock dayLater = Clock.fixed(NOW.plus(Duration.ofDays(1)), ZoneOffset.UTC);
        OrphanSweeper later = new OrphanSweeper(catalog, store, dayLater, meters, GRACE);

        assertThat(later.sweep()).isEqualTo(new OrphanSweeper.Sweep(0, 1));
        assertThat(store.pendingUploads("shop/uploads/")).isEmpty();
    }

    private void job(String id, JobStatus status, Instant finishedAt) {
        jobs.put(
                id,
                new JobView(
                        id,
                        JobKind.UPLOAD_RESTORE,
                        "shop",
                        status,
                        0,
                        null,
                        0,
                        0,
                        NOW.minus(Duration.ofHours(6)),
                        null,
                        finishedAt,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));
    }

    private void backup(String id, String status, Instant finishedAt) {
        backups.put(
                id,
                new BackupView(
                        id,
                        "shop",
                        null,
                        null,
                        status,
                        null,
                        null,
                        null,
                        null,
                        finishedAt,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of(),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));
    }

    private void write(String key, Instant modified) throws IOException {
        store.put(key, "data".getBytes(StandardCharsets.UTF_8));
        Files.setLastModifiedTime(root.resolve(key), FileTime.from(modified));
    }

    /** A write begun and never completed nor aborted, as a killed worker leaves it; begun before NOW. */
    private void unfinished(String key) throws IOException {
        ObjectUpload upload = store.create(key);
        upload.write("partial".getBytes(StandardCharsets.UTF_8));
        // no complete(), no close(): the process died here
        try (var files = Files.list(root.resolve(key).getParent())) {
            for (Path file : files.filter(f -> f.getFileName().toString().contains(".partial-"))
                    .toList()) {
                Files.setLastModifiedTime(file, FileTime.from(NOW.minusSeconds(120)));
            }
        }
    }

    private List<String> keys() throws IOException {
        return store.list("shop/").stream().map(ObjectInfo::key).toList();
    }
}
