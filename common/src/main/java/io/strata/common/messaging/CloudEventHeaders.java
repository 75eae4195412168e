package io.strata.common.messaging;

/** Header names of the CloudEvents Kafka binding (binary mode) plus Strata's own job id header. */
public final class CloudEventHeaders {
    public static final String ID = "ce_id";
    public static final String TYPE = "ce_type";
    public static final String SOURCE = "ce_source";
    public static final String TIME = "ce_time";
    public static final String SPEC_VERSION = "ce_specversion";
    public static final String CONTENT_TYPE = "content-type";
    public static final String JOB_ID = "strata_job_id";
    /**
     * On job events: the fencing token of the lease the publishing worker holds (see the catalog's
     * {@code POST /internal/v1/jobs/{id}/claim}); the catalog ignores events of a superseded lease.
     */
    public static final String LEASE_TOKEN = "strata_lease_token";

    private CloudEventHeaders() {}
}
