package io.strata.platform.storage;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** Where backups are stored: {@code strata.storage.type} is {@code s3} or {@code local}. */
@Validated
@ConfigurationProperties("strata.storage")
public record StorageProperties(
        @DefaultValue("s3") @NotNull Type type,
        @Valid S3 s3,
        @Valid Local local) {

    public enum Type {
        S3,
        LOCAL
    }

    /** An S3 API endpoint; {@code endpoint} empty means AWS itself. Credentials come from the environment. */
    public record S3(
            URI endpoint,
            @DefaultValue("us-east-1") String region,
            @DefaultValue("strata") String bucket,
            String accessKey,
            String secretKey,
            @DefaultValue("true") boolean pathStyle,
            @DefaultValue("16") @Min(5) int partSizeMib,
            @DefaultValue("2") @Min(1) int partsInFlight,
            @DefaultValue("false") boolean createBucket) {}

    public record Local(Path root) {}
}
