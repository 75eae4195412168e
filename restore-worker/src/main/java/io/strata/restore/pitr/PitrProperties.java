package io.strata.restore.pitr;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code strata.restore.pitr}: point-in-time restore on the restore-worker's host.
 *
 * @param osUser the operating-system user PostgreSQL runs as; when the worker itself runs as root, the
 *     restored files are given to this user and every PostgreSQL program is started as it (runuser)
 * @param downloadConnections ranged reads of the base backup in flight at once
 * @param downloadChunkBytes the size of each ranged read (memory: connections × chunk)
 * @param walFetchers WAL segments downloaded at once ahead of recovery
 * @param walAhead how many fetched segments may wait for recovery to read them (disk: ahead × 16 MiB)
 * @param recoveryTimeout how long recovery may take before the job gives up and stops the server
 * @param dataRoots the only directories restores may write into: {@code into.dataDirectory} is a name made
 *     in the first, or an absolute path directly inside one
 */
@Validated
@ConfigurationProperties("strata.restore.pitr")
public record PitrProperties(
        @DefaultValue("postgres") @NotBlank String osUser,
        @DefaultValue("4") @Min(1) @Max(32) int downloadConnections,

        @DefaultValue("8388608") @Min(1048576) @Max(268435456)
        int downloadChunkBytes,

        @DefaultValue("4") @Min(1) @Max(32) int walFetchers,
        @DefaultValue("32") @Min(2) @Max(4096) int walAhead,
        @DefaultValue("6h") @NotNull Duration recoveryTimeout,
        @NotEmpty List<Path> dataRoots) {}
