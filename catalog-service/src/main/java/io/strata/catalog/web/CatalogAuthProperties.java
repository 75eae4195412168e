package io.strata.catalog.web;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/** The internal token every caller of the catalog presents (the gateway and the workers share it). */
@Validated
@ConfigurationProperties("strata.catalog")
public record CatalogAuthProperties(
        @NotBlank(
                message = "set STRATA_CATALOG_TOKEN (strata.catalog.token): the catalog refuses to start without"
                        + " the internal token its callers must present")
        String token) {}
