package io.strata.catalog.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.catalog.invalid.EventText;
import io.strata.catalog.invalid.InvalidContentException;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.platform.messaging.IncomingMessages;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Fencing of job events: an event whose {@code strata_lease_token} header is lower than its job's lease
 * token was sent by a worker that lost the job (its lease expired, another worker took over), so it must
 * not change the job, whatever it says. Events without the header (workers that do not claim) are not
 * fenced.
 */
@Component
class LeaseFence {
    static final String METRIC = "strata.catalog.stale.events";
    private static final Logger log = LoggerFactory.getLogger(LeaseFence.class);
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,18}");
    private static final int MAX_SHOWN = 40;
    private final MeterRegistry meters;

    LeaseFence(MeterRegistry meters) {
        this.meters = meters;
    }

    /** The record's lease token; null without the header, {@link InvalidContentException} when not a number. */
    static Long token(ConsumerRecord<?, ?> record) {
        String value = IncomingMessages.header(record, CloudEventHeaders.LEASE_TOKEN);
        if (value == null) {
            return null;
        }
        if (!DECIMAL.matcher(value).matches()) {
            throw new InvalidContentException("header " + CloudEventHeaders.LEASE_TOKEN
                    + " must be the decimal lease token the claim returned, not '" + EventText.line(value, MAX_SHOWN)
                    + "'");
        }
        return Long.parseLong(value);
    }

    /** Like {@link #token}, but null when the header is not a number: for records refused anyway. */
    static Long tokenIfReadable(ConsumerRecord<?, ?> record) {
        try {
            return token(record);
        } catch (InvalidContentException unreadable) {
            return null;
        }
    }

    /** Whether {@code what}, carrying {@code token}, comes from a superseded lease of {@code job}: then it is logged and counted. */
    boolean isStale(Job job, Long token, String what) {
        if (token == null || token >= job.lease().token()) {
            return false;
        }
        log.info(
                "Ignoring {} for job {}: it carries lease token {} but the job's lease is at {} (owner {}), so its"
                        + " sender lost the job",
                what,
                job.jobId(),
                token,
                job.lease().token(),
                job.lease().owner());
        Counter.builder(METRIC)
                .description("Job events ignored because they came from a worker whose lease was superseded")
                .register(meters)
                .increment();
        return true;
    }
}
