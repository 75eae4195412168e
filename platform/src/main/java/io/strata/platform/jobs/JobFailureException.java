package io.strata.platform.jobs;

import io.strata.common.model.FailureCode;
import java.util.Objects;

/**
 * A job cannot finish, for a reason a person can act on. Carries the {@code JobFailed} code and whether
 * trying the same command again later may succeed.
 */
public class JobFailureException extends RuntimeException {
    private final FailureCode code;
    private final boolean retryable;

    public JobFailureException(FailureCode code, String message, boolean retryable) {
        this(code, message, retryable, null);
    }

    public JobFailureException(FailureCode code, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.retryable = retryable;
    }

    /** The command names a source the catalog does not (or no longer) know. */
    public static JobFailureException sourceNotFound(String source) {
        return new JobFailureException(
                FailureCode.SOURCE_NOT_FOUND,
                "Source '" + source + "' is not registered (or was removed); register it with POST /api/v1/sources"
                        + " and ask again.",
                false);
    }

    public FailureCode code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }
}
