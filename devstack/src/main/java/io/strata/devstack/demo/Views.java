package io.strata.devstack.demo;

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
            String backupId) {

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
    }

    record Backup(
            String backupId,
            String source,
            String kind,
            String type,
            String status,
            Long sizeBytes,
            Long storedBytes,
            String sha256) {}
}
