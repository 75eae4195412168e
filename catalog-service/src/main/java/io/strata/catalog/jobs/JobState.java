package io.strata.catalog.jobs;

import io.strata.common.model.JobStatus;
import java.time.Instant;

/** The mutable part of a job: what events change. */
record JobState(
        JobStatus status,
        int progressPercent,
        String currentStep,
        long bytesDone,
        long bytesTotal,
        Instant startedAt,
        Instant finishedAt,
        String errorCode,
        String errorMessage) {

    static JobState queued() {
        return new JobState(JobStatus.QUEUED, 0, null, 0, 0, null, null, null, null);
    }

    JobState withStatus(JobStatus next) {
        return new JobState(
                next,
                progressPercent,
                currentStep,
                bytesDone,
                bytesTotal,
                startedAt,
                finishedAt,
                errorCode,
                errorMessage);
    }

    JobState withProgress(int percent, String step, long done, long total) {
        return new JobState(status, percent, step, done, total, startedAt, finishedAt, errorCode, errorMessage);
    }

    JobState withTimes(Instant started, Instant finished) {
        return new JobState(
                status,
                progressPercent,
                currentStep,
                bytesDone,
                bytesTotal,
                started,
                finished,
                errorCode,
                errorMessage);
    }

    JobState withError(String code, String message) {
        return new JobState(
                status, progressPercent, currentStep, bytesDone, bytesTotal, startedAt, finishedAt, code, message);
    }
}
