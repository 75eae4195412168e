package io.strata.restore.logical;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code strata.restore}: {@code work-dir} holds the downloaded dump during a restore (pg_restore -j needs
 * a seekable file), so it needs room for the largest uncompressed dump; {@code jobs} is pg_restore's -j.
 */
@Validated
@ConfigurationProperties("strata.restore")
public record RestoreProperties(
        @NotNull Path workDir,
        @DefaultValue("2") @Min(1) @Max(64) int jobs) {}
