package io.strata.platform.logical;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Tuning of the logical backup pipeline ({@code strata.backup.*}).
 *
 * @param zstdWorkers compression threads besides the copying thread; 0 compresses on the copying
 *     thread. Measured on 2 cores with a 940 MiB database (Strata time / {@code pg_dump -Z0 | zstd -3}
 *     time, three rounds each): 0 workers 1.38-1.48, 1 worker 1.29-1.32, 2 workers 1.18-1.31.
 * @param progressInterval how often a running backup reports progress
 * @param physicalZstdLevel the zstd level of physical backups (base backup tars, block packs, block maps);
 *     negative levels are zstd's fast ones. Physical backups read at the server's speed, so compression is
 *     what a FULL waits for: see the README's benchmarks for what each level costs and saves.
 * @param countRows whether a logical backup counts every table's rows in the snapshot it dumps (a second
 *     read of the tables, alongside pg_dump's) and records them in its manifest, for restore drills to
 *     compare with
 */
@Validated
@ConfigurationProperties("strata.backup")
public record LogicalBackupProperties(
        @DefaultValue("2") @Min(0) @Max(64) int zstdWorkers,
        @DefaultValue("1s") @NotNull Duration progressInterval,
        @DefaultValue("1") @Min(-7) @Max(19) int physicalZstdLevel,
        @DefaultValue("true") boolean countRows) {

    /** How physical backups are compressed. */
    public CompressedUpload.Zstd physicalZstd() {
        return new CompressedUpload.Zstd(physicalZstdLevel, zstdWorkers);
    }
}
