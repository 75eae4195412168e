package io.strata.platform.catalog;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/** Where the catalog-service is and the internal token to call it with. */
@Validated
@ConfigurationProperties("strata.catalog")
public record CatalogClientProperties(
        @NotNull URI url, @NotBlank String token) {}
