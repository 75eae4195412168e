package io.strata.platform.postgres;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** Where the PostgreSQL client programs are ({@code pg_dump}, {@code pg_restore}, ...). */
@Validated
@ConfigurationProperties("strata.postgres")
public record PostgresProperties(
        @DefaultValue("/usr/lib/postgresql/15/bin") @NotNull Path binDir) {}
