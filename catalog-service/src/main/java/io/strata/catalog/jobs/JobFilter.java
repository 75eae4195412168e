package io.strata.catalog.jobs;

import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;

/** The optional filters of {@code GET /api/v1/jobs}; null means any. */
record JobFilter(String source, JobStatus status, JobKind kind, int limit) {}
