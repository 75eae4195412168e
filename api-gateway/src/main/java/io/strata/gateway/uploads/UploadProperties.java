package io.strata.gateway.uploads;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Uploads of archives to restore ({@code strata.uploads}): the largest file taken ({@code max-size}), and how
 * many are taken at once ({@code at-once}; each holds up to three S3 part buffers of the gateway's heap while it
 * streams to storage).
 */
@ConfigurationProperties("strata.uploads")
record UploadProperties(
        @DefaultValue("64GB") DataSize maxSize,
        @DefaultValue("2") int atOnce) {
    UploadProperties {
        if (maxSize == null || maxSize.toBytes() <= 0) {
            throw new IllegalArgumentException("strata.uploads.max-size must be a positive size, such as 64GB");
        }
        if (atOnce < 1) {
            throw new IllegalArgumentException("strata.uploads.at-once must be at least 1");
        }
    }
}
