package io.strata.gateway.restores;

import io.strata.common.model.BackupType;
import io.strata.common.model.Lsn;
import io.strata.gateway.restores.RestoreChecks.CheckedRestore;
import io.strata.platform.catalog.CatalogApi.PlannedBase;
import io.strata.platform.catalog.CatalogApi.ReachableRange;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.SkippedBackup;
import jakarta.validation.constraints.Positive;
import java.time.Instant;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code strata.restore-estimate}: the rates a restore preview's {@code estimatedSeconds} assumes. They are
 * rough by nature (they depend on the object store, the disks and the WAL's content); set them from what
 * your own restores report. The defaults are what bench/pitr-physical.sh measured on 2 cores (unpack
 * 1.5 GiB in ~4 s, replay 2.3 GiB of pgbench WAL in 15 s).
 *
 * @param downloadBytesPerSecond stored (compressed) bytes fetched per second
 * @param unpackBytesPerSecond base backup bytes (uncompressed) written per second
 * @param replayBytesPerSecond WAL (uncompressed) replayed per second
 * @param logicalRestoreBytesPerSecond pg_dump archive bytes (uncompressed) pg_restore loads per second
 */
@Validated
@ConfigurationProperties("strata.restore-estimate")
record RestoreEstimates(
        @DefaultValue("200000000") @Positive long downloadBytesPerSecond,
        @DefaultValue("350000000") @Positive long unpackBytesPerSecond,
        @DefaultValue("150000000") @Positive long replayBytesPerSecond,
        @DefaultValue("40000000") @Positive long logicalRestoreBytesPerSecond) {

    /**
     * {@code POST /restores/preview}'s answer. {@code timeline} is the timeline a point-in-time recovery ends
     * on: newer than the base backup's when the source was promoted or restored after it (recovery then reads
     * each timeline's WAL up to its switch); null for a logical restore.
     */
    record Preview(
            String source,
            String kind,
            String target,
            List<PreviewBackup> backups,
            int walSegments,
            long walBytes,
            long downloadBytes,
            long estimatedSeconds,
            Estimate estimate,
            ReachableRange reachable,
            List<SkippedBackup> skippedBackups,
            Integer timeline) {}

    /** One backup the restore downloads; a chain lists its FULL backup first and the restored one last. */
    record PreviewBackup(
            String backupId,
            String kind,
            BackupType type,
            Lsn startLsn,
            Lsn endLsn,
            Instant finishedAt,
            long storedBytes,
            long sizeBytes) {}

    /** The parts of {@code estimatedSeconds}. */
    record Estimate(long downloadSeconds, long unpackSeconds, long replaySeconds, long restoreSeconds) {}

    Preview preview(String source, CheckedRestore restore) {
        if (restore.pointInTime()) {
            RecoveryPlan plan = restore.plan();
            PlannedBase base = plan.base();
            int segments = plan.segmentsToTarget();
            long walRaw = segments * (plan.segmentSize() == null ? 0 : plan.segmentSize());
            long download = base.storedBytes() + plan.walBytesToTarget();
            Estimate estimate = new Estimate(
                    seconds(download, downloadBytesPerSecond),
                    seconds(base.sizeBytes(), unpackBytesPerSecond),
                    seconds(walRaw, replayBytesPerSecond),
                    0);
            return new Preview(
                    source,
                    "POINT_IN_TIME",
                    restore.target().describe(),
                    base.chain().isEmpty()
                            ? List.of(new PreviewBackup(
                                    base.backupId(),
                                    "PHYSICAL",
                                    BackupType.FULL,
                                    base.startLsn(),
                                    base.endLsn(),
                                    base.finishedAt(),
                                    base.storedBytes(),
                                    base.sizeBytes()))
                            : base.chain().stream()
                                    .map(link -> new PreviewBackup(
                                            link.backupId(),
                                            "PHYSICAL",
                                            link.type(),
                                            link.startLsn(),
                                            link.endLsn(),
                                            link.finishedAt(),
                                            link.storedBytes(),
                                            link.sizeBytes()))
                                    .toList(),
                    segments,
                    plan.walBytesToTarget(),
                    download,
                    total(estimate),
                    estimate,
                    plan.reachable(),
                    plan.skipped(),
                    plan.timeline());
        }
        var backup = restore.backup();
        long stored = backup.storedBytes() == null ? 0 : backup.storedBytes();
        long raw = backup.sizeBytes() == null ? 0 : backup.sizeBytes();
        Estimate estimate =
                new Estimate(seconds(stored, downloadBytesPerSecond), 0, 0, seconds(raw, logicalRestoreBytesPerSecond));
        return new Preview(
                source,
                "LOGICAL",
                null,
                List.of(new PreviewBackup(
                        backup.backupId(), "LOGICAL", BackupType.FULL, null, null, backup.finishedAt(), stored, raw)),
                0,
                0,
                stored,
                total(estimate),
                estimate,
                null,
                List.of(),
                null);
    }

    private static long total(Estimate estimate) {
        return Math.max(
                1,
                estimate.downloadSeconds()
                        + estimate.unpackSeconds()
                        + estimate.replaySeconds()
                        + estimate.restoreSeconds());
    }

    private static long seconds(long bytes, long perSecond) {
        return (bytes + perSecond - 1) / perSecond;
    }
}
