package io.strata.wal.streaming;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How the archiver streams WAL ({@code strata.wal.*}).
 *
 * @param enabled when false no source is streamed at all (the service still answers status calls)
 * @param pollInterval how often the catalog is asked which sources have WAL archiving switched on
 * @param partialInterval how often the unfinished current segment is shipped while it grows: the
 *     bound on data lost if the source disappears for good
 * @param statusInterval how often standby status updates go to the server even without news, so
 *     {@code wal_sender_timeout} never cuts an idle stream
 * @param slotPrefix replication slot names are this plus the source name
 * @param backoff how long to wait before reconnecting after a failure
 * @param spoolDirectory where the segment each source is filling is held (one segment, 16 MiB by default, per
 *     archived source, its compressed form, and the stored copy being uploaded), instead of the heap; its files
 *     are unlinked as they are opened, so nothing is left there after a crash
 * @param uploadsAtOnce how many segments, of all sources, are uploaded at once (connections to the store; the
 *     HTTP client streams each body from its spool file)
 */
@Validated
@ConfigurationProperties("strata.wal")
public record WalProperties(
        boolean enabled,
        @NotNull Duration pollInterval,
        @NotNull Duration partialInterval,
        @NotNull Duration statusInterval,

        @NotNull @Pattern(regexp = "[a-z_][a-z0-9_]{0,30}", message = "slot prefix must be a lower-case identifier")
        String slotPrefix,

        @NotNull @Valid Backoff backoff,
        @NotNull Path spoolDirectory,
        @Min(1) @Max(64) int uploadsAtOnce) {

    /** Exponential: {@code initial}, doubled after every failed attempt, never above {@code max}. */
    public record Backoff(
            @NotNull Duration initial, @NotNull Duration max) {}
}
