package io.strata.gateway.uploads;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Uploads of archives to restore ({@code strata.uploads}): the largest file taken ({@code max-size}), how many
 * are taken at once ({@code at-once}; each holds up to three S3 part buffers of the gateway's heap while it
 * streams to storage), and how long one may take to arrive ({@code max-duration}: a slow sender cannot hold a
 * slot for ever).
 */
@ConfigurationProperties("strata.uploads")
record UploadProperties(
        @DefaultValue("64GB") DataSize maxSize,
        @DefaultValue("2") int atOnce,
        @DefaultValue("6h") Duration maxDuration) {
    UploadProperties {
        if (maxSize == null || maxSize.toBytes() <= 0) {
            throw new IllegalArgumentException("strata.uploads.max-size must be a positive size, such as 64GB");
        }
        if (atOnce < 1) {
            throw new IllegalArgumentException("strata.uploads.at-once must be at least 1");
        }
        if (maxDuration == null || maxDuration.isNegative() || maxDuration.isZero()) {
            throw new IllegalArgumentException("strata.uploads.max-duration must be a positive duration, such as 6h");
        }
    }
}
