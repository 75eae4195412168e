package io.strata.devstack.demo;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The gateway's JSON answers, reduced to the fields the demo shows. */
final class Views {
    private Views() {}

    record Accepted(String jobId, String status, String statusUrl) {}

    record JobError(String code, String message) {}

    record Job(
            String jobId,
            String kind,
            String status,
            int progressPercent,
            String currentStep,
            long bytesDone,
            long bytesTotal,
            JobError error,
            String backupId,
            RestoreResult result) {

        boolean finished() {
            return "SUCCEEDED".equals(status) || "FAILED".equals(status) || "CANCELLED".equals(status);
        }

        /** Whether a user watching would see a difference. */
        boolean differsFrom(Job other) {
            return other == null
                    || !Objects.equals(status, other.status)
                    || progressPercent != other.progressPercent
                    || !Objects.equals(currentStep, other.currentStep)
                    || bytesDone != other.bytesDone;
        }

        /** The backup a succeeded backup job made. */
        String requireBackupId() {
            if (backupId == null) {
                throw new DemoFailure("backup job " + jobId + " succeeded but names no backupId");
            }
            return backupId;
        }

        /** Where a succeeded point-in-time restore's cluster runs. */
        RestoreResult requireCluster() {
            if (result == null || result.dataDirectory() == null || result.port() == null) {
                throw new DemoFailure("restore job " + jobId + " succeeded but names no data directory and port");
            }
            return result;
        }
    }

    /** A restore job's result; {@code dataDirectory} and {@code port} only for a point-in-time restore. */
    record RestoreResult(
            String backupId, String dataDirectory, Integer port, String recoveryStop, Integer walSegments) {
        /** PostgreSQL's own words on where it stopped ("recovery stopping before commit of transaction 752, …"). */
        String whereRecoveryStopped() {
            return recoveryStop == null
                    ? "?"
                    : Arrays.stream(recoveryStop.split("; "))
                            .filter(part -> part.startsWith("recovery stopping"))
                            .findFirst()
                            .orElse(recoveryStop);
        }
    }

    record Backup(
            String backupId,
            String source,
            String kind,
            String type,
            String status,
            Long sizeBytes,
            Long storedBytes,
            String sha256,
            String finishedAt,
            String parentBackupId,
            String requestedType,
            String typeReason,
            Long readBytes,
            Long changedBytes) {}

    /** {@code GET /sources/{name}/wal}. */
    record WalStatus(boolean healthy, String reason, String archivedLsn, long lagBytes, long segments) {}

    /** {@code POST /restores/preview}: the chain to download (FULL first), the WAL to replay, the estimate. */
    record Preview(
            List<PreviewBackup> backups, int walSegments, long walBytes, long downloadBytes, long estimatedSeconds) {}

    record PreviewBackup(String backupId, String type, String finishedAt, long storedBytes) {}

    /** A refusal (problem+json). */
    record Problem(String detail, String problemCode) {}
}
